using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging.Abstractions;
using PinnServe.Api.V1;
using PinnServe.Server.Internal;
using PinnServe.Server.Models;
using PinnServe.Server.Services;

namespace PinnServe.Server.Tests.Functional;

public sealed class ServiceBindingTests : IDisposable
{
    private readonly string _directory = TestModels.NewTempDirectory("binding");

    [Fact]
    public void Every_method_declared_in_the_protos_is_bound_to_its_path()
    {
        using var registry = new ModelRegistry(_directory, OnnxBackend.Load, NullLogger.Instance, TimeSpan.FromSeconds(1));
        var dispatcher = new GrpcDispatcher(
            new FieldService(registry, new ServerLimits()).Methods().Concat(new HealthService(new HealthStatusBoard()).Methods()),
            1024, NullLogger.Instance);
        ServiceDescriptor[] services = [FieldServiceReflection.Descriptor.Services.Single(), HealthReflection.Descriptor.Services.Single()];
        var declared = services.SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}")).Order();
        Assert.Equal(declared, dispatcher.Paths.Order());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
