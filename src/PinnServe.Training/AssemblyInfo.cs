namespace PinnServe.Training;
