namespace PinnServe.Nn;
