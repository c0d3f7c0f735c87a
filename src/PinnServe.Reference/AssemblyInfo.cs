namespace PinnServe.Reference;
