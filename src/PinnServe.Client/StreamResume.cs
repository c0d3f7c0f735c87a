using Grpc.Core;
using PinnServe.Api.V1;

namespace PinnServe.Client;

/// <summary>
/// Splices the attempts of one QueryStream into a single stream: every attempt asks for the same points from the
/// start, and the chunks (or the parts of a chunk) already delivered by an earlier attempt are dropped. Chunks that
/// are not cut pass through untouched, so an uninterrupted stream costs nothing. A later attempt must report the
/// model version the first one did.
/// </summary>
internal sealed class StreamResume(string model)
{
    private long _delivered;          // points handed to the caller: [0, _delivered)
    private string? _version;         // the model version reported by the first attempt that sent a chunk
    private bool _firstChunkOfAttempt;

    public long Delivered => _delivered;

    public void StartAttempt() => _firstChunkOfAttempt = true;

    /// <summary>The part of <paramref name="chunk"/> not yet delivered, or null when all of it was.</summary>
    public QueryChunk? Accept(QueryChunk chunk)
    {
        if (_firstChunkOfAttempt)
        {
            _firstChunkOfAttempt = false;
            if (_version is null) _version = chunk.ModelVersion;
            else if (chunk.ModelVersion != _version)
                throw new RpcException(new Status(StatusCode.Aborted,
                    $"Model '{model}' changed from version {_version} to {chunk.ModelVersion} while its stream was resumed after a lost " +
                    $"server ({_delivered} points had come from version {_version}); run the query again."));
        }
        long first = (long)chunk.FirstPoint, end = first + chunk.PointCount;
        if (first > _delivered)
            throw new RpcException(new Status(StatusCode.Internal, $"The stream skipped points {_delivered} to {first - 1} (next chunk at {first})."));
        if (end <= _delivered) return null;
        long skip = _delivered - first;
        _delivered = end;
        if (skip == 0) return chunk;

        int valuesPerPoint = chunk.Values.Count / (int)chunk.PointCount;
        var rest = new QueryChunk { FirstPoint = (ulong)(first + skip), PointCount = (uint)(chunk.PointCount - skip) };
        var values = new float[rest.PointCount * valuesPerPoint];
        for (int i = 0; i < values.Length; i++) values[i] = chunk.Values[(int)skip * valuesPerPoint + i];
        rest.Values.AddRange(values);
        foreach (ulong index in chunk.OutOfDomainPoints)
            if ((long)index >= first + skip) rest.OutOfDomainPoints.Add(index);
        return rest;
    }
}
