namespace PinnServe.Tensors;
