// The ONNX Runtime sources rely on System.Reflection being imported project-wide (Unity adds it).
global using System.Reflection;
