using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sessions;

namespace BlockCrypt.Tpm;

/// <summary>A loaded object: its handle, public area and Name (computed locally from the public area).</summary>
public sealed record TpmLoadedObject(uint Handle, TpmPublic Public, byte[] Name)
{
    /// <summary>The entity for cpHash computation.</summary>
    public TpmEntity Entity => new(Handle, Name);

    /// <summary>True for a transient object (0x80xxxxxx) that must be flushed.</summary>
    public bool IsTransient => (Handle >> 24) == 0x80;
}

/// <summary>The outputs of TPM2_Create: the private blob (TPM2B_PRIVATE contents) and the public area.</summary>
public sealed record TpmCreated(byte[] Private, TpmPublic Public);

public sealed partial class TpmClient
{
    /// <summary>
    /// TPM2_CreatePrimary (Part 3 §24.1) in <paramref name="hierarchy"/> (owner by default) with an empty userAuth and
    /// the hierarchy's password (empty by default). The Name is computed from the returned public area and checked
    /// against the one the TPM returns.
    /// </summary>
    public TpmLoadedObject CreatePrimary(TpmPublic template, uint hierarchy = TpmRh.Owner, byte[]? hierarchyAuth = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        using var p = new TpmWriter(256);
        WriteSensitiveCreate(p, [], []);
        WritePublic2B(p, template);
        p.WriteSized([]);          // outsideInfo
        p.WriteUInt32(0);          // creationPCR: empty TPML_PCR_SELECTION
        using var resp = Execute(TpmCc.CreatePrimary, [TpmEntity.Permanent(hierarchy)], [TpmAuth.Password(hierarchyAuth)], p.WrittenSpan, 1);
        var r = new TpmReader(resp.Parameters);
        var pub = ReadPublic2B(ref r, "outPublic");
        SkipCreationOutputs(ref r);
        var name = r.ReadSized("name", 66).ToArray();
        r.ExpectEnd("TPM2_CreatePrimary response");
        return Checked(resp.Handles[0], pub, name);
    }

    /// <summary>
    /// TPM2_Create (Part 3 §12.1) under <paramref name="parent"/>, authorized by <paramref name="parentAuth"/>. When that
    /// session has the Decrypt attribute, the sensitive area (the userAuth and sealed data) is encrypted on the wire.
    /// </summary>
    public TpmCreated Create(TpmLoadedObject parent, TpmAuth parentAuth, TpmPublic template,
        ReadOnlySpan<byte> userAuth, ReadOnlySpan<byte> sealedData)
    {
        ArgumentNullException.ThrowIfNull(parent);
        using var p = new TpmWriter(512);
        WriteSensitiveCreate(p, TpmSession.TrimTrailingZeros(userAuth), sealedData);
        WritePublic2B(p, template);
        p.WriteSized([]);
        p.WriteUInt32(0);
        using var resp = Execute(TpmCc.Create, [parent.Entity], [parentAuth], p.WrittenSpan);
        var r = new TpmReader(resp.Parameters);
        var priv = r.ReadSized("outPrivate", 1024).ToArray();
        var pub = ReadPublic2B(ref r, "outPublic");
        SkipCreationOutputs(ref r);
        r.ExpectEnd("TPM2_Create response");
        return new TpmCreated(priv, pub);
    }

    /// <summary>TPM2_Load (Part 3 §12.2) of a private/public pair under <paramref name="parent"/>.</summary>
    public TpmLoadedObject Load(TpmLoadedObject parent, TpmAuth parentAuth, ReadOnlySpan<byte> privateBlob, TpmPublic publicArea)
    {
        ArgumentNullException.ThrowIfNull(parent);
        using var p = new TpmWriter(512);
        p.WriteSized(privateBlob);
        WritePublic2B(p, publicArea);
        using var resp = Execute(TpmCc.Load, [parent.Entity], [parentAuth], p.WrittenSpan, 1);
        var r = new TpmReader(resp.Parameters);
        var name = r.ReadSized("name", 66).ToArray();
        r.ExpectEnd("TPM2_Load response");
        return Checked(resp.Handles[0], publicArea, name);
    }

    /// <summary>
    /// TPM2_Unseal (Part 3 §12.7): the sealed data of <paramref name="item"/> written to <paramref name="destination"/>;
    /// returns its length. With an Encrypt session the data crosses the wire encrypted.
    /// </summary>
    public int Unseal(TpmLoadedObject item, TpmAuth itemAuth, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(item);
        using var resp = Execute(TpmCc.Unseal, [item.Entity], [itemAuth], []);
        var r = new TpmReader(resp.Parameters);
        var data = r.ReadSized("outData", 128);
        r.ExpectEnd("TPM2_Unseal response");
        if (data.Length > destination.Length)
            throw new ArgumentException($"the sealed data has {data.Length} bytes, more than the destination holds", nameof(destination));
        data.CopyTo(destination);
        return data.Length;
    }

    /// <summary>TPM2_ReadPublic (Part 3 §12.4) of a loaded or persistent object.</summary>
    public TpmLoadedObject ReadPublic(uint handle)
    {
        using var p = new TpmWriter(4);
        using var resp = Execute(TpmCc.ReadPublic, [TpmEntity.Permanent(handle)], [], p.WrittenSpan);
        var r = new TpmReader(resp.Parameters);
        var pub = ReadPublic2B(ref r, "outPublic");
        var name = r.ReadSized("name", 66).ToArray();
        r.ReadSized("qualifiedName", 66);
        r.ExpectEnd("TPM2_ReadPublic response");
        return Checked(handle, pub, name);
    }

    /// <summary>TPM2_FlushContext (Part 3 §28.4) of a transient object or session; the handle is a parameter, not a handle.</summary>
    public void FlushContext(uint handle)
    {
        using var p = new TpmWriter(4);
        p.WriteUInt32(handle);
        using var _ = Execute(TpmCc.FlushContext, [], [], p.WrittenSpan);
    }

    /// <summary>Flushes and swallows TPM errors (for cleanup paths where the handle may already be gone).</summary>
    public void TryFlush(uint handle)
    {
        try { FlushContext(handle); }
        catch (TpmException) { /* best effort: the original error matters more */ }
    }

    private static TpmLoadedObject Checked(uint handle, TpmPublic pub, byte[] name)
    {
        byte[] computed = pub.ComputeName();
        if (!CryptographicOperations.FixedTimeEquals(computed, name))
            throw new TpmProtocolException($"the Name the TPM returned for handle 0x{handle:X8} does not match its public area");
        return new TpmLoadedObject(handle, pub, computed);
    }

    private static void WriteSensitiveCreate(TpmWriter w, ReadOnlySpan<byte> userAuth, ReadOnlySpan<byte> data)
    {
        // TPM2B_SENSITIVE_CREATE (Part 2 §11.1.16): TPMS_SENSITIVE_CREATE { userAuth, data }.
        int start = w.BeginSized();
        w.WriteSized(userAuth);
        w.WriteSized(data);
        w.EndSized(start);
    }

    private static void WritePublic2B(TpmWriter w, TpmPublic pub)
    {
        int start = w.BeginSized();
        pub.WriteTo(w);
        w.EndSized(start);
    }

    private static TpmPublic ReadPublic2B(ref TpmReader r, string what)
    {
        var inner = new TpmReader(r.ReadSized(what, 1024));
        var pub = TpmPublic.Read(ref inner);
        inner.ExpectEnd(what);
        return pub;
    }

    private static void SkipCreationOutputs(ref TpmReader r)
    {
        r.ReadSized("creationData", 4096);
        r.ReadSized("creationHash", 64);
        r.ReadUInt16("creationTicket.tag");
        r.ReadUInt32("creationTicket.hierarchy");
        r.ReadSized("creationTicket.digest", 64);
    }
}
