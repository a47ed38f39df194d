using System.Runtime.CompilerServices;

// The customer-key tests check the PKCS#11 return-code mapping directly (SoftHSM2 cannot produce every code, e.g.
// CKR_PIN_LOCKED: it never locks a PIN).
[assembly: InternalsVisibleTo("BlockCrypt.Volume.Tests")]
