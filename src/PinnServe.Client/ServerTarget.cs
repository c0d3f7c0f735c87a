using System.Globalization;

namespace PinnServe.Client;

/// <summary>How a <see cref="PinnClient"/> finds its server or servers.</summary>
public enum TargetKind
{
    /// <summary>One server: "host:port", "http://host:port" or "https://host:port".</summary>
    Single,
    /// <summary>A fixed list of replicas, "host:port,host:port,…": round-robin over the ones that are up.</summary>
    List,
    /// <summary>"dns:///name:port": every address the name resolves to (e.g. a Kubernetes headless Service), round-robin.</summary>
    Dns,
}

/// <summary>One replica's address.</summary>
public sealed record ServerEndpoint(string Host, int Port);

/// <summary>
/// A parsed <c>--address</c>: one server, a comma-separated list of replicas, or a DNS name resolved to replicas.
/// Parsing never throws anything but <see cref="FormatException"/>, whose message names the offending part and the
/// allowed form (ports 1–65535), so a command line can report it as bad input.
/// </summary>
public sealed record ServerTarget(TargetKind Kind, IReadOnlyList<ServerEndpoint> Endpoints, bool Tls, string Text)
{
    public const int MinPort = 1;
    public const int MaxPort = 65535;

    /// <summary>The channel address Grpc.Net.Client is given: the server's URL, "static:///pinnserve" for a list, the dns: URL.</summary>
    public Uri ChannelAddress => Kind switch
    {
        TargetKind.Single => new Uri($"{(Tls ? "https" : "http")}://{HostForUri(Endpoints[0].Host)}:{Endpoints[0].Port}"),
        TargetKind.List => new Uri("static:///pinnserve"),
        _ => new Uri($"dns:///{HostForUri(Endpoints[0].Host)}:{Endpoints[0].Port}"),
    };

    /// <summary>More than one server can answer: calls are balanced round-robin.</summary>
    public bool Balanced => Kind != TargetKind.Single;

    /// <summary>
    /// Parses "host:port" (cleartext HTTP/2), "http://host:port", "https://host:port", a comma-separated list of
    /// those (every entry with the same scheme), or "dns:///name:port". IPv6 literals go in brackets: "[::1]:50051".
    /// </summary>
    public static ServerTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0) throw new FormatException("the address is empty; expected HOST:PORT, a comma-separated list of them, or dns:///NAME:PORT.");
        if (trimmed.StartsWith("dns:", StringComparison.OrdinalIgnoreCase))
        {
            const string prefix = "dns:///";
            if (!trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || trimmed.Length == prefix.Length)
                throw new FormatException($"'{Shorten(trimmed)}' is not dns:///NAME:PORT (three slashes: a DNS server authority is not supported).");
            var endpoint = ParseHostPort(trimmed[prefix.Length..], trimmed, defaultPort: null);
            return new ServerTarget(TargetKind.Dns, [endpoint], Tls: false, trimmed);
        }

        var parts = trimmed.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0)) throw new FormatException($"'{Shorten(trimmed)}' has an empty entry; expected HOST:PORT[,HOST:PORT...].");
        var endpoints = new List<ServerEndpoint>(parts.Length);
        bool? tls = null;
        foreach (string part in parts)
        {
            var (entryTls, endpoint) = ParseEntry(part);
            if (tls is { } first && first != entryTls)
                throw new FormatException($"'{Shorten(trimmed)}' mixes http and https entries; every replica of a list must use the same scheme.");
            tls = entryTls;
            if (endpoints.Contains(endpoint)) throw new FormatException($"'{Shorten(part)}' appears twice in the list.");
            endpoints.Add(endpoint);
        }
        return new ServerTarget(endpoints.Count == 1 ? TargetKind.Single : TargetKind.List, endpoints, tls ?? false, trimmed);
    }

    /// <summary>The HTTP scheme (default cleartext) and endpoint of one list entry.</summary>
    private static (bool Tls, ServerEndpoint Endpoint) ParseEntry(string entry)
    {
        int schemeEnd = entry.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0) return (false, ParseHostPort(entry, entry, defaultPort: null));
        string scheme = entry[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("http" or "https"))
            throw new FormatException($"'{Shorten(entry)}': the scheme must be http or https (or dns:/// for a DNS name), got '{Shorten(scheme)}'.");
        string rest = entry[(schemeEnd + 3)..];
        if (rest.EndsWith('/')) rest = rest[..^1];
        if (rest.Contains('/') || rest.Contains('?') || rest.Contains('#'))
            throw new FormatException($"'{Shorten(entry)}' has a path; give only the scheme, host and port.");
        return (scheme == "https", ParseHostPort(rest, entry, defaultPort: scheme == "https" ? 443 : 80));
    }

    /// <summary>"host:port" or "[v6]:port"; the port may be left out only where <paramref name="defaultPort"/> is given (URLs).</summary>
    private static ServerEndpoint ParseHostPort(string hostPort, string whole, int? defaultPort)
    {
        string host;
        string? port;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']');
            if (close < 0) throw new FormatException($"'{Shorten(whole)}': an IPv6 address needs a closing ']'.");
            host = hostPort[1..close];
            string after = hostPort[(close + 1)..];
            if (after.Length > 0 && after[0] != ':') throw new FormatException($"'{Shorten(whole)}': expected ':PORT' after ']'.");
            port = after.Length > 0 ? after[1..] : null;
            if (Uri.CheckHostName(host) != UriHostNameType.IPv6) throw new FormatException($"'{Shorten(whole)}': '{Shorten(host)}' is not an IPv6 address.");
        }
        else
        {
            int colon = hostPort.LastIndexOf(':');
            if (colon >= 0 && hostPort.IndexOf(':') != colon)
                throw new FormatException($"'{Shorten(whole)}': write an IPv6 address in brackets, e.g. [::1]:50051.");
            host = colon < 0 ? hostPort : hostPort[..colon];
            port = colon < 0 ? null : hostPort[(colon + 1)..];
            if (host.Length == 0 || Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.IPv6)
                throw new FormatException($"'{Shorten(whole)}': '{Shorten(host)}' is not a host name or IP address.");
        }
        int number;
        if (port is null)
        {
            number = defaultPort ?? throw new FormatException($"'{Shorten(whole)}' has no port; expected HOST:PORT (port {MinPort}–{MaxPort}).");
        }
        else if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number < MinPort || number > MaxPort)
        {
            throw new FormatException($"port '{Shorten(port)}' in '{Shorten(whole)}' is not a whole number from {MinPort} to {MaxPort}.");
        }
        return new ServerEndpoint(host, number);
    }

    private static string HostForUri(string host) => host.Contains(':') ? $"[{host}]" : host;

    /// <summary>User text echoed in messages, at most 80 characters.</summary>
    private static string Shorten(string value) => value.Length <= 80 ? value : value[..77] + "...";
}
