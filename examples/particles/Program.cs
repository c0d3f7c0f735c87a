// A small simulation that embeds an exported PINN surrogate: tracer particles advected through the lid-driven
// cavity's velocity field (models/cavity-m4.onnx: fields u, v over x, y ∈ [0, 1]) with the classical fourth-order
// Runge–Kutta integrator. Only the ONNX field-model API is used: load, then evaluate (u, v) at all particles at once.
//
//   dotnet run --project examples/particles [-- models/cavity-m4.onnx]
using PinnServe.Onnx;

string modelPath = args.FirstOrDefault() ?? Path.Combine("models", "cavity-m4.onnx");
using var model = OnnxFieldModel.Load(modelPath);
Console.WriteLine($"{Path.GetFileName(modelPath)}: inputs {string.Join(", ", model.InputNames)}, fields {string.Join(", ", model.FieldNames)}");

// 64 particles on a ring around the primary vortex's centre (≈ (0.62, 0.74) at Re = 100).
const int n = 64;
var position = new float[2 * n];
for (int i = 0; i < n; i++)
{
    double angle = 2 * Math.PI * i / n;
    position[2 * i] = (float)(0.62 + 0.15 * Math.Cos(angle));
    position[2 * i + 1] = (float)(0.74 + 0.15 * Math.Sin(angle));
}

string[] velocity = ["u", "v"];
var k = Enumerable.Range(0, 4).Select(_ => new float[2 * n]).ToArray();
var stage = new float[2 * n];
void Velocity(float[] at, float[] result) => model.Evaluate(at, n, velocity, result);

// Stream-function check: a steady flow's particles stay on their streamlines, so the spread of each particle's
// distance from the vortex centre changes little over a revolution if the integrator and field are sound.
const float dt = 0.02f;
const int steps = 400;
double startRadius = MeanRadius(position);
for (int step = 0; step < steps; step++)
{
    Velocity(position, k[0]);
    for (int j = 0; j < stage.Length; j++) stage[j] = position[j] + 0.5f * dt * k[0][j];
    Velocity(stage, k[1]);
    for (int j = 0; j < stage.Length; j++) stage[j] = position[j] + 0.5f * dt * k[1][j];
    Velocity(stage, k[2]);
    for (int j = 0; j < stage.Length; j++) stage[j] = position[j] + dt * k[2][j];
    Velocity(stage, k[3]);
    for (int j = 0; j < position.Length; j++)
        position[j] = Math.Clamp(position[j] + dt / 6 * (k[0][j] + 2 * k[1][j] + 2 * k[2][j] + k[3][j]), 0f, 1f);
}

double endRadius = MeanRadius(position);
bool inside = position.All(c => c is >= 0 and <= 1);
Console.WriteLine($"{n} particles, {steps} RK4 steps of {dt} (t = {steps * dt}): mean distance from the vortex centre {startRadius:F4} -> {endRadius:F4}, all inside: {inside}");
for (int i = 0; i < n; i += 16) Console.WriteLine($"  particle {i}: ({position[2 * i]:F4}, {position[2 * i + 1]:F4})");
return inside && Math.Abs(endRadius - startRadius) < 0.05 ? 0 : 1;

static double MeanRadius(float[] p)
{
    double sum = 0;
    for (int i = 0; i < p.Length; i += 2) sum += Math.Sqrt(Math.Pow(p[i] - 0.62, 2) + Math.Pow(p[i + 1] - 0.74, 2));
    return sum / (p.Length / 2);
}
