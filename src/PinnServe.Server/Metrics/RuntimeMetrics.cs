using Prometheus;

namespace PinnServe.Server.Metrics;

/// <summary>
/// Process and .NET runtime series on /metrics, so a dashboard can show the server's memory, CPU, threads and GC:
/// prometheus-net's standard <c>process_*</c> and <c>dotnet_*</c> set (DotNetStats), plus the GC heap, pause time,
/// allocation and thread-pool figures the runtime reports. All read at scrape time, nothing per call.
/// </summary>
internal static class RuntimeMetrics
{
    public static void Register(CollectorRegistry registry)
    {
        DotNetStats.Register(registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var heap = factory.CreateGauge("dotnet_gc_heap_size_bytes", "Managed heap size after the last garbage collection.");
        var committed = factory.CreateGauge("dotnet_gc_committed_bytes", "Memory committed by the garbage collector.");
        var pause = factory.CreateGauge("dotnet_gc_pause_seconds_total", "Time the process spent paused for garbage collection since it started.");
        var allocated = factory.CreateGauge("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.");
        var threads = factory.CreateGauge("dotnet_threadpool_threads", "Thread-pool threads.");
        var queued = factory.CreateGauge("dotnet_threadpool_queue_length", "Work items waiting for a thread-pool thread.");
        registry.AddBeforeCollectCallback(() =>
        {
            var gc = GC.GetGCMemoryInfo();
            heap.Set(gc.HeapSizeBytes);
            committed.Set(gc.TotalCommittedBytes);
            pause.Set(GC.GetTotalPauseDuration().TotalSeconds);
            allocated.Set(GC.GetTotalAllocatedBytes());
            threads.Set(ThreadPool.ThreadCount);
            queued.Set(ThreadPool.PendingWorkItemCount);
        });
    }
}
