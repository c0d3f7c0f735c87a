namespace PinnServe.Physics;
