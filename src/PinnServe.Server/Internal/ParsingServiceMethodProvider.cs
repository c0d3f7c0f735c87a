using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace PinnServe.Server.Internal;

/// <summary>
/// Binds each gRPC service's methods as Grpc.AspNetCore's own binder does, but with a request marshaller that turns a
/// body that is not a valid protobuf message into INVALID_ARGUMENT naming the message type. Grpc.AspNetCore would
/// report UNKNOWN "Exception was thrown by handler." and log an error with the stack trace: any client could flood the
/// error log. (Registered in place of Grpc.AspNetCore's binder provider, for every service.)
/// </summary>
internal sealed class ParsingServiceMethodProvider<TService> : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var attribute = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        if (attribute is null) return;
        var bind = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters() is [var binder, _] && binder.ParameterType == typeof(ServiceBinderBase))
            ?? throw new InvalidOperationException($"{attribute.BindType} has no {attribute.BindMethodName}(ServiceBinderBase, service).");
        bind.Invoke(null, [new Binder(context, bind.GetParameters()[1].ParameterType), null]);
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Parsing(method), Metadata(method.Name, out var info),
                Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(info));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Parsing(method), Metadata(method.Name, out var info),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(info));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Parsing(method), Metadata(method.Name, out var info),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(info));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Parsing(method), Metadata(method.Name, out var info),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(info));

        /// <summary>The service's override of the generated base method (the same lookup as Grpc.AspNetCore's binder).</summary>
        private List<object> Metadata(string name, out MethodInfo handler)
        {
            handler = typeof(TService).GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(m => m.Name == name && m.IsVirtual && m.GetBaseDefinition().DeclaringType == declaringType)
                ?? throw new InvalidOperationException($"Could not find '{name}' on {typeof(TService)}.");
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(handler.GetCustomAttributes(inherit: true));
            metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return metadata;
        }

        private static TDelegate Invoker<TDelegate>(MethodInfo handler) where TDelegate : Delegate =>
            (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler);
    }

    private static Method<TRequest, TResponse> Parsing<TRequest, TResponse>(Method<TRequest, TResponse> method) where TRequest : class where TResponse : class
    {
        var inner = method.RequestMarshaller;
        var marshaller = new Marshaller<TRequest>(inner.ContextualSerializer, context =>
        {
            try { return inner.ContextualDeserializer(context); }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"The request is not a valid {typeof(TRequest).Name} message of {method.FullName}: {e.Message}"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }
}
