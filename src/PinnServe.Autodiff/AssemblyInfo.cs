namespace PinnServe.Autodiff;
