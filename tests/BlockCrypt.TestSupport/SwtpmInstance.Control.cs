using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BlockCrypt.TestSupport;

public sealed partial class SwtpmInstance
{
    /// <summary>
    /// A power cycle like a reboot: TPM2_Shutdown(CLEAR) (so the TPM counts no dictionary-attack failure), ctrl INIT
    /// (<c>swtpm_ioctl -i</c>), then TPM2_Startup(CLEAR). PCRs are reset.
    /// </summary>
    public void PowerCycle()
    {
        SendRaw(0x145, 0); // TPM2_Shutdown(TPM_SU_CLEAR)
        var r = RunTool("swtpm_ioctl", "--tcp", $"127.0.0.1:{ControlPort}", "-i");
        if (r.ExitCode != 0) throw new InvalidOperationException($"swtpm_ioctl -i failed: {r.StdErr}{r.StdOut}");
        SendRaw(0x144, 0); // TPM2_Startup(TPM_SU_CLEAR)
    }

    /// <summary>Sends a no-session command with one u16 parameter and throws on a non-zero response code.</summary>
    private void SendRaw(uint commandCode, ushort parameter)
    {
        byte[] cmd = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(cmd, 0x8001);
        BinaryPrimitives.WriteUInt32BigEndian(cmd.AsSpan(2), 12);
        BinaryPrimitives.WriteUInt32BigEndian(cmd.AsSpan(6), commandCode);
        BinaryPrimitives.WriteUInt16BigEndian(cmd.AsSpan(10), parameter);
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Port);
        using var s = client.GetStream();
        s.Write(cmd);
        byte[] resp = new byte[10];
        s.ReadExactly(resp);
        uint rc = BinaryPrimitives.ReadUInt32BigEndian(resp.AsSpan(6));
        if (rc != 0) throw new InvalidOperationException($"swtpm command 0x{commandCode:X3} returned 0x{rc:X3}");
    }

    /// <summary>The result of a tool run.</summary>
    public readonly record struct ToolResult(int ExitCode, string StdOut, string StdErr);

    /// <summary>
    /// Runs a tool (tpm2-tools or swtpm_ioctl) with TPM2TOOLS_TCTI pointing at this instance; for tpm2 tools,
    /// runs <c>tpm2_flushcontext -t</c> afterwards (swtpm has no resource manager). Close your own connection first.
    /// </summary>
    public ToolResult RunTool(string tool, params string[] args)
    {
        var result = Run(tool, args);
        if (tool.StartsWith("tpm2_", StringComparison.Ordinal) && tool != "tpm2_flushcontext")
            Run("tpm2_flushcontext", ["-t"]);
        return result;
    }

    private ToolResult Run(string tool, string[] args)
    {
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = StateDir,
        };
        psi.Environment["TPM2TOOLS_TCTI"] = Tcti;
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            throw new TimeoutException($"{tool} did not finish in 60 s");
        }
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
