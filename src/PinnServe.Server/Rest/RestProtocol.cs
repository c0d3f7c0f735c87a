using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using PinnServe.Server.Inference;
using PinnServe.Server.Metrics;
using PinnServe.Server.Services;

namespace PinnServe.Server.Rest;

/// <summary>
/// The Open Inference Protocol (KServe v2) over HTTP/REST, with Triton's binary-tensor, model configuration,
/// statistics and repository extensions, on its own HTTP/1.1 port of the same host (<c>pinn serve --http-address</c>).
/// Every answer comes from <see cref="OpenInference"/>, so REST and gRPC agree; errors are <c>{"error": "..."}</c>
/// with the HTTP status of the gRPC code.
/// </summary>
internal sealed class RestProtocol(OpenInference inference, ServerLimits limits, ServingMetrics metrics, ILoggerFactory loggers)
{
    private static readonly JsonFormatter ProtoJson = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));
    private readonly ILogger _logger = loggers.CreateLogger("PinnServe.Server.Rest");

    public async Task HandleAsync(HttpContext http)
    {
        string method = "unknown";
        int status;
        try
        {
            var path = (http.Request.Path.Value ?? "").Trim('/').Split('/');
            status = await RouteAsync(http, path, m => method = m);
        }
        catch (RpcException e)
        {
            status = await WriteErrorAsync(http, HttpStatus(e.StatusCode), e.Status.Detail);
        }
        catch (RestRequestException e)
        {
            status = await WriteErrorAsync(http, StatusCodes.Status400BadRequest, e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            status = await WriteErrorAsync(http, e.StatusCode, $"The request body is larger than the {limits.MaxRestBodyBytes} bytes allowed.");
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException && http.RequestAborted.IsCancellationRequested)
        {
            status = 499; // the client went away
        }
        catch (Exception e)
        {
            Log.RestHandlerFailed(_logger, http.Request.Path.Value ?? "", e);
            status = await WriteErrorAsync(http, StatusCodes.Status500InternalServerError, "The server failed to answer; details are in its log.");
        }
        metrics.Request("rest/" + method, "", status.ToString());
    }

    /// <summary>Answers one request; returns the HTTP status sent.</summary>
    private async Task<int> RouteAsync(HttpContext http, string[] path, Action<string> name)
    {
        string verb = http.Request.Method;
        bool get = HttpMethods.IsGet(verb), post = HttpMethods.IsPost(verb);
        switch (path)
        {
            case ["v2", "health", "live"] when get:
                name("ServerLive");
                return Status(http, StatusCodes.Status200OK);
            case ["v2", "health", "ready"] when get:
                name("ServerReady");
                return Status(http, inference.ServerReady ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
            case ["v2"] when get:
                name("ServerMetadata");
                return await WriteProtoAsync(http, inference.ServerMetadata());
            case ["v2", "repository", "index"] when post:
                name("RepositoryIndex");
                return await RepositoryIndexAsync(http);
            case ["v2", "repository", "models", var model, "load"] when post:
                name("RepositoryModelLoad");
                inference.Load("", model, await ParameterNamesAsync(http));
                return await WriteJsonAsync(http, "{}"u8.ToArray());
            case ["v2", "repository", "models", var model, "unload"] when post:
                name("RepositoryModelUnload");
                inference.Unload("", model, await ParameterNamesAsync(http));
                return await WriteJsonAsync(http, "{}"u8.ToArray());
            case ["v2", "models", "stats"] when get:
                name("ModelStatistics");
                return await WriteProtoAsync(http, inference.ModelStatistics("", ""));
        }
        if (path is not ["v2", "models", var modelName, .. var rest]) return await WriteErrorAsync(http, StatusCodes.Status404NotFound, $"No such endpoint: {verb} {Echo(http.Request.Path.Value)}.");
        string version = "";
        if (rest is ["versions", var v, .. var after])
        {
            version = v;
            rest = after;
        }
        switch (rest)
        {
            case [] when get:
                name("ModelMetadata");
                return await WriteModelMetadataAsync(http, modelName, version);
            case ["ready"] when get:
                name("ModelReady");
                return Status(http, inference.ModelReady(modelName, version) ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
            case ["config"] when get:
                name("ModelConfig");
                return await WriteProtoAsync(http, inference.ModelConfig(modelName, version).Config);
            case ["stats"] when get:
                name("ModelStatistics");
                return await WriteProtoAsync(http, inference.ModelStatistics(modelName, version));
            case ["infer"] when post:
                name("ModelInfer");
                return await InferAsync(http, modelName, version);
        }
        return await WriteErrorAsync(http, StatusCodes.Status404NotFound, $"No such endpoint: {verb} {Echo(http.Request.Path.Value)}.");
    }

    private async Task<int> InferAsync(HttpContext http, string model, string version)
    {
        var body = await ReadBodyAsync(http);
        int? headerLength = null;
        if (http.Request.Headers.TryGetValue(RestTensors.HeaderLengthHeader, out var header))
            headerLength = int.TryParse(header.ToString(), out int n) ? n : throw new RestRequestException($"{RestTensors.HeaderLengthHeader} '{Echo(header.ToString())}' is not a whole number.");
        var (request, binaryOutputs, allBinary) = RestTensors.ReadInferRequest(body, headerLength, model, version);
        var response = await inference.InferAsync(request, DateTime.MaxValue, http.RequestAborted);
        var (json, binary) = RestTensors.WriteInferResponse(response, binaryOutputs, allBinary);
        if (binary.Count == 0) return await WriteJsonAsync(http, json);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/octet-stream";
        http.Response.Headers[RestTensors.HeaderLengthHeader] = json.Length.ToString();
        http.Response.ContentLength = json.Length + binary.Sum(b => (long)b.Length);
        await http.Response.Body.WriteAsync(json, http.RequestAborted);
        foreach (var part in binary) await http.Response.Body.WriteAsync(part, http.RequestAborted);
        return StatusCodes.Status200OK;
    }

    /// <summary>Model metadata as the protocol's JSON, each tensor also listing the datatypes it accepts.</summary>
    private async Task<int> WriteModelMetadataAsync(HttpContext http, string model, string version)
    {
        var metadata = inference.ModelMetadata(model, version);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", metadata.Name);
            json.WriteStartArray("versions");
            foreach (var v in metadata.Versions) json.WriteStringValue(v);
            json.WriteEndArray();
            json.WriteString("platform", metadata.Platform);
            foreach (var (key, tensors) in new[] { ("inputs", metadata.Inputs), ("outputs", metadata.Outputs) })
            {
                json.WriteStartArray(key);
                foreach (var tensor in tensors)
                {
                    json.WriteStartObject();
                    json.WriteString("name", tensor.Name);
                    json.WriteString("datatype", tensor.Datatype);
                    json.WriteStartArray("shape");
                    foreach (long d in tensor.Shape) json.WriteNumberValue(d);
                    json.WriteEndArray();
                    json.WriteStartObject("parameters");
                    json.WriteString("accepted_datatypes", $"{InferenceTensors.Fp32},{InferenceTensors.Fp64}");
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return await WriteJsonAsync(http, buffer.ToArray());
    }

    /// <summary>Triton's index: a JSON array of {name, version, state, reason}; body {"ready": true} keeps only ready versions.</summary>
    private async Task<int> RepositoryIndexAsync(HttpContext http)
    {
        var body = await ReadBodyAsync(http);
        bool ready = false;
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                ready = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("ready", out var r) && r.ValueKind == JsonValueKind.True;
            }
            catch (JsonException e) { throw new RestRequestException($"The request body is not valid JSON: {e.Message}"); }
        }
        var index = inference.RepositoryIndex("", ready);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var model in index.Models)
            {
                json.WriteStartObject();
                json.WriteString("name", model.Name);
                json.WriteString("version", model.Version);
                json.WriteString("state", model.State);
                json.WriteString("reason", model.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return await WriteJsonAsync(http, buffer.ToArray());
    }

    /// <summary>Names of the "parameters" of a load/unload body (PinnServe accepts none but unload_dependents).</summary>
    private async Task<string[]> ParameterNamesAsync(HttpContext http)
    {
        var body = await ReadBodyAsync(http);
        if (body.Length == 0) return [];
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object
                ? p.EnumerateObject().Select(x => x.Name).ToArray() : [];
        }
        catch (JsonException e) { throw new RestRequestException($"The request body is not valid JSON: {e.Message}"); }
    }

    /// <summary>The whole body, at most <see cref="ServerLimits.MaxRestBodyBytes"/> (413 beyond it).</summary>
    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http)
    {
        long limit = limits.MaxRestBodyBytes;
        if (http.Request.ContentLength > limit)
            throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        using var buffer = new MemoryStream(http.Request.ContentLength is > 0 and var length ? (int)length : 4096);
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static int Status(HttpContext http, int status)
    {
        http.Response.StatusCode = status;
        http.Response.ContentLength = 0;
        return status;
    }

    private static Task<int> WriteProtoAsync(HttpContext http, IMessage message) =>
        WriteJsonAsync(http, System.Text.Encoding.UTF8.GetBytes(ProtoJson.Format(message)));

    private static async Task<int> WriteJsonAsync(HttpContext http, byte[] json, int status = StatusCodes.Status200OK)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = json.Length;
        await http.Response.Body.WriteAsync(json, http.RequestAborted);
        return status;
    }

    private static Task<int> WriteErrorAsync(HttpContext http, int status, string message)
    {
        if (http.Response.HasStarted) return Task.FromResult(status);
        return WriteJsonAsync(http, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["error"] = message }), status);
    }

    /// <summary>The HTTP status for a gRPC code (as Triton's HTTP front end and the gRPC-HTTP mapping do).</summary>
    internal static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.ResourceExhausted => StatusCodes.Status413PayloadTooLarge,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        StatusCode.Cancelled => 499,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static string Echo(string? text) => RpcErrors.Echo(text ?? "");
}
