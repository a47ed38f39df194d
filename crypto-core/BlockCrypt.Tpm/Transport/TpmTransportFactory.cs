using System.Globalization;

namespace BlockCrypt.Tpm.Transport;

/// <summary>
/// Opens a transport from a device specification: <c>/dev/tpmrm0</c> (any path), <c>tbs</c>, or
/// <c>swtpm:HOST:PORT</c>. A null or empty specification falls back to the <c>BLOCKCRYPT_TPM</c> environment
/// variable, then to the platform's device (TBS on Windows, /dev/tpmrm0 then /dev/tpm0 elsewhere).
/// </summary>
public static class TpmTransportFactory
{
    /// <summary>The environment variable naming the default device.</summary>
    public const string EnvironmentVariable = "BLOCKCRYPT_TPM";

    /// <summary>The specification <see cref="Open"/> would use for <paramref name="spec"/> (after defaults).</summary>
    public static string Resolve(string? spec)
    {
        if (!string.IsNullOrWhiteSpace(spec)) return spec.Trim();
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return env.Trim();
        if (OperatingSystem.IsWindows()) return "tbs";
        return File.Exists("/dev/tpmrm0") || !File.Exists("/dev/tpm0") ? "/dev/tpmrm0" : "/dev/tpm0";
    }

    /// <summary>Opens the transport; throws <see cref="TpmUnavailableException"/> if nothing answers there.</summary>
    public static ITpmTransport Open(string? spec)
    {
        string s = Resolve(spec);
        if (s.Equals("tbs", StringComparison.OrdinalIgnoreCase))
        {
            if (!OperatingSystem.IsWindows())
                throw new TpmUnavailableException(s, new PlatformNotSupportedException("TBS exists only on Windows"));
            return new TbsTpmTransport();
        }
        if (s.StartsWith("swtpm:", StringComparison.OrdinalIgnoreCase))
        {
            var (host, port) = ParseHostPort(s);
            return new TcpTpmTransport(host, port);
        }
        if (s.StartsWith('/'))
        {
            if (s == "/dev/tpmrm0" && !File.Exists(s) && File.Exists("/dev/tpm0") && string.IsNullOrWhiteSpace(spec))
                s = "/dev/tpm0";
            if (!File.Exists(s)) throw new TpmUnavailableException(s, new FileNotFoundException("no such device", s));
            return new DeviceTpmTransport(s);
        }
        throw new TpmUnavailableException(s, new FormatException("expected /dev/tpmrm0, tbs or swtpm:HOST:PORT"));
    }

    /// <summary>Parses <c>swtpm:HOST:PORT</c> (HOST may be a bracketed IPv6 address).</summary>
    public static (string Host, int Port) ParseHostPort(string spec)
    {
        string rest = spec["swtpm:".Length..];
        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
            throw new TpmUnavailableException(spec, new FormatException("expected swtpm:HOST:PORT"));
        return (rest[..colon].Trim('[', ']'), port);
    }
}
