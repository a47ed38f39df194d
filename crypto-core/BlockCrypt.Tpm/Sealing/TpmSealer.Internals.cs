using System.Security.Cryptography;
using BlockCrypt.Tpm.Marshalling;
using BlockCrypt.Tpm.Sessions;

namespace BlockCrypt.Tpm.Sealing;

public sealed partial class TpmSealer
{
    private delegate T ClientFunc<T>(TpmClient client);

    private T WithClient<T>(ClientFunc<T> action)
    {
        TpmClient client;
        try
        {
            client = new TpmClient(_connect());
        }
        catch (TpmUnavailableException e)
        {
            throw new TpmUnsealException(TpmFailure.NoTpm, e.Message, e);
        }
        using (client)
        {
            try
            {
                return action(client);
            }
            catch (TpmUnavailableException e)
            {
                throw new TpmUnsealException(TpmFailure.NoTpm, e.Message, e);
            }
            catch (TpmProtocolException e)
            {
                throw new TpmUnsealException(TpmFailure.Protocol, "the TPM's answer could not be trusted: " + e.Message, e);
            }
        }
    }

    /// <summary>
    /// The SRK: the persistent key at 0x81000001 when it is an ECC P-256 key from the standard template (the same key
    /// CreatePrimary would derive), otherwise a fresh CreatePrimary from the template (the caller flushes it).
    /// </summary>
    internal static TpmLoadedObject GetStorageRootKey(TpmClient client)
    {
        var template = TpmPublic.StorageRootKeyTemplate();
        var handles = client.GetHandles(TpmRh.PersistentSrk, 1);
        if (handles.Contains(TpmRh.PersistentSrk))
        {
            var persistent = client.ReadPublic(TpmRh.PersistentSrk);
            var shape = TpmPublic.Parse(persistent.Public.ToBytes());
            shape.UniqueX = [];
            shape.UniqueY = [];
            if (persistent.Public.IsEccP256StorageKey && shape.ToBytes().AsSpan().SequenceEqual(template.ToBytes()))
                return persistent;
        }
        return client.CreatePrimary(template);
    }

    private static int UnsealCore(TpmClient client, TpmSealedObject sealedObject, byte[] authValue, Span<byte> result)
    {
        var srk = GetStorageRootKey(client);
        try
        {
            // The salt is encrypted to this SRK only: if its Name is the recorded one, only the TPM that sealed can
            // recover the session key, so an interposed TPM cannot read the unsealed secret (issue 4).
            if (!CryptographicOperations.FixedTimeEquals(srk.Name, sealedObject.SrkName))
                throw new TpmUnsealException(TpmFailure.WrongTpm,
                    "the TPM is not the one this protector was sealed with (its storage root key differs); unlock with the recovery password");
            TpmLoadedObject item;
            try
            {
                item = client.Load(srk, TpmAuth.Password(), sealedObject.PrivateBlob, sealedObject.Public);
            }
            catch (TpmException e) when (e is not TpmProtocolException and not TpmUnavailableException)
            {
                throw new TpmUnsealException(TpmFailure.WrongTpm,
                    "the TPM refused to load this protector's sealed key (" + e.Decoded.Name + "); it was sealed on another TPM or the TPM was cleared", e);
            }
            try
            {
                using var session = client.StartAuthSession(TpmSessionType.Policy, srk);
                try
                {
                    // Same order as TpmPolicy.SealingPolicy; with no PCR the policy is PolicyAuthValue alone.
                    if (!sealedObject.Pcrs.IsEmpty) client.PolicyPcr(session, sealedObject.Pcrs);
                    if (sealedObject.HasPin || sealedObject.Pcrs.IsEmpty) client.PolicyAuthValue(session);
                    return client.Unseal(item, TpmAuth.With(session, authValue, TpmaSession.Encrypt), result);
                }
                catch (TpmException e) when (e is not TpmProtocolException and not TpmUnavailableException and not TpmUnsealException)
                {
                    throw MapUnsealError(client, sealedObject, e);
                }
                finally
                {
                    client.TryFlush(session.Handle);
                }
            }
            finally
            {
                client.TryFlush(item.Handle);
            }
        }
        finally
        {
            if (srk.IsTransient) client.TryFlush(srk.Handle);
        }
    }

    private static TpmUnsealException MapUnsealError(TpmClient client, TpmSealedObject sealedObject, TpmException e)
    {
        switch (e.BaseCode)
        {
            case TpmResponseCode.PolicyFail:
            {
                var changed = ChangedPcrs(client, sealedObject);
                string which = changed.Count switch
                {
                    0 => "PCR " + string.Join(", ", sealedObject.Pcrs.Indices) + " (the policy check failed)",
                    1 => "PCR " + changed[0],
                    _ => "PCRs " + string.Join(", ", changed),
                };
                string verb = changed.Count > 1 ? "have" : "has";
                return new TpmUnsealException(TpmFailure.PcrMismatch,
                    $"{which} {verb} changed since this protector was sealed; unlock with the recovery password, then run `blockcrypt protector reseal`", e)
                { ChangedPcrs = changed };
            }
            case TpmResponseCode.AuthFail or TpmResponseCode.BadAuth:
            {
                int left = -1;
                try
                {
                    var p = client.GetProperties(TpmPt.LockoutCounter, 2);
                    if (p.TryGetValue(TpmPt.LockoutCounter, out uint counter) && p.TryGetValue(TpmPt.MaxAuthFail, out uint max))
                        left = (int)Math.Max(0, (long)max - counter);
                }
                catch (TpmException) { /* the count is a courtesy; the wrong PIN is the error */ }
                string tries = left switch
                {
                    < 0 => "",
                    0 => "; the TPM is now in dictionary-attack lockout",
                    1 => "; 1 try left before the TPM locks out",
                    _ => $"; {left} tries left before the TPM locks out",
                };
                return new TpmUnsealException(TpmFailure.WrongPin, "wrong TPM PIN" + tries, e) { TriesLeft = left };
            }
            case TpmResponseCode.Lockout:
            {
                long interval = -1;
                try { interval = client.GetProperty(TpmPt.LockoutInterval); }
                catch (TpmException) { /* keep the lockout error */ }
                string wait = interval switch
                {
                    < 0 => "wait, or reset it with the lockout authorization",
                    0 => "it stays locked until reset with the lockout authorization (tpm2_dictionarylockout -c)",
                    _ => $"one failed attempt is forgiven every {interval} s, so try again in about {interval} s or reset it with the lockout authorization",
                };
                return new TpmUnsealException(TpmFailure.Lockout,
                    $"the TPM is in dictionary-attack lockout after too many wrong PINs; {wait}; or unlock with the recovery password", e)
                { RecoverySeconds = interval };
            }
            default:
                return new TpmUnsealException(TpmFailure.Other, "the TPM refused to unseal: " + e.Message, e);
        }
    }

    private static List<int> ChangedPcrs(TpmClient client, TpmSealedObject sealedObject)
    {
        var changed = new List<int>();
        try
        {
            var now = client.PcrRead(sealedObject.Pcrs);
            foreach (int i in sealedObject.Pcrs.Indices)
                if (!sealedObject.PcrValues.TryGetValue(i, out var then) || !now[i].AsSpan().SequenceEqual(then))
                    changed.Add(i);
        }
        catch (TpmException) { /* fall back to naming every bound PCR */ }
        return changed;
    }
}
