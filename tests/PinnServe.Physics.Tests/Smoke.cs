namespace PinnServe.Physics.Tests;
public class Smoke { [Fact] public void Builds() { } }
