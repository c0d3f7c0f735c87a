using System.Text.RegularExpressions;
using PinnServe.Api.V1;
using PinnServe.Client;

namespace PinnServe.Server.Tests.Deploy;

/// <summary>The Kubernetes and Envoy files agree with each other and with the metrics a running server exports.</summary>
public class DeployManifestTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task The_manifests_agree_with_each_other_and_with_the_exported_metrics()
    {
        using (var client = new PinnClient(server.Address))
            await client.QueryAsync(new QueryRequest { Model = "cavity", Points = { 0.5f, 0.5f } });
        using var http = new HttpClient();
        string text = await http.GetStringAsync(server.MetricsUrl);
        var names = Regex.Matches(text, @"^# TYPE (\S+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        Assert.Contains("pinnserve_points_total", names);
        await DeployManifests.CheckAsync(RealClient.PythonClientTests.RepositoryRoot(), "--metrics", string.Join(",", names),
            "--health-service", PinnServe.Server.Services.FieldService.ServiceName);
    }
}
