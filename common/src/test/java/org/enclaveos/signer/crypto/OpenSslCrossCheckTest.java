package org.enclaveos.signer.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The openssl binary as an independent judge of our RSA, on freshly generated keys. */
class OpenSslCrossCheckTest {
    @TempDir
    Path dir;

    @Test
    void ourSignaturesVerifyWithOpensslAndEqualItsSignatures() throws IOException {
        Path key = OpenSslKeys.rsa(dir, "key.pem", 3072, 3);
        Path pub = OpenSslKeys.convert(key, dir, "pub.pem", "pkey", "-pubout");
        SigningKey signingKey = PemKeys.loadSigningKey(key, PassphraseSource.NONE);
        for (int svn = 0; svn < 3; svn++) {
            Sigstruct unsigned = Sigstruct.builder()
                    .date(SigstructDate.of(LocalDate.of(2026, 11, 26)))
                    .attributes(new Attributes(Attributes.MODE64BIT, 0x7))
                    .attributeMask(new Attributes(-1L, 0xffffffffffffff1bL))
                    .miscMask(0xfffffffe)
                    .isvProdId(7)
                    .isvSvn(svn)
                    .mrenclave(Hash256.sha256(new byte[] {(byte) svn}))
                    .build();
            Sigstruct signed = SigstructSigner.sign(unsigned, signingKey);
            Path payload = Files.write(dir.resolve("payload" + svn), signed.signingPayload());
            byte[] oursBe = LittleEndian.reversed(signed.signatureLittleEndian());
            Path sig = Files.write(dir.resolve("sig" + svn), oursBe);

            String verified = new String(Tools.ok("openssl", "dgst", "-sha256", "-verify", pub.toString(),
                    "-signature", sig.toString(), payload.toString()));
            assertTrue(verified.contains("Verified OK"), verified);

            byte[] theirs = Tools.ok("openssl", "dgst", "-sha256", "-sign", key.toString(), payload.toString());
            assertArrayEquals(theirs, oursBe, "PKCS#1 v1.5 is deterministic: openssl and we must agree");

            // And openssl pkeyutl over the payload's digest (what an HSM console does) assembles to the same SIGSTRUCT.
            byte[] viaPkeyutl = Tools.ok(Files.readAllBytes(payload), "openssl", "dgst", "-sha256", "-sign", key.toString());
            assertArrayEquals(signed.toBytes(),
                    SigstructSigner.assemble(unsigned, signingKey.publicKey(), viaPkeyutl).toBytes());
            assertEquals(signingKey.mrsigner(), signed.mrsigner());
        }
    }

    /**
     * Our verifier and openssl judge the same signatures the same way: the untouched one valid for both,
     * each tampered signature or payload invalid for both. (The old test only asked openssl.)
     */
    @Test
    void ourVerifierAndOpensslRefuseTheSameTamperedSignatures() throws IOException {
        Path key = OpenSslKeys.rsa(dir, "key.pem", 3072, 3);
        Path pub = OpenSslKeys.convert(key, dir, "pub.pem", "pkey", "-pubout");
        SigningKey signingKey = PemKeys.loadSigningKey(key, PassphraseSource.NONE);
        Sigstruct unsigned = Sigstruct.builder().mrenclave(Hash256.sha256(new byte[0])).isvSvn(3).build();
        Sigstruct signed = SigstructSigner.sign(unsigned, signingKey);
        assertTrue(SigstructVerifier.verify(signed).valid());
        assertTrue(opensslAccepts(pub, signed.signingPayload(), LittleEndian.reversed(signed.signatureLittleEndian())));
        for (int at : new int[] {0, 1, 100, 200, 383}) {
            byte[] be = LittleEndian.reversed(signed.signatureLittleEndian());
            be[at] ^= 1;
            Sigstruct tampered = signed.withSignature(signed.modulusLittleEndian(), LittleEndian.reversed(be),
                    signed.field(org.enclaveos.signer.sgx.SigstructField.Q1), signed.field(org.enclaveos.signer.sgx.SigstructField.Q2));
            assertFalse(SigstructVerifier.verify(tampered).passed(Verification.Name.SIGNATURE), "signature byte " + at);
            assertFalse(opensslAccepts(pub, signed.signingPayload(), be), "signature byte " + at);
        }
        // The same signature over a payload with one signed field changed (ISVSVN 3 -> 4).
        Sigstruct otherPayload = unsigned.toBuilder().isvSvn(4).build().withSignature(signed.modulusLittleEndian(),
                signed.signatureLittleEndian(), signed.field(org.enclaveos.signer.sgx.SigstructField.Q1),
                signed.field(org.enclaveos.signer.sgx.SigstructField.Q2));
        assertFalse(SigstructVerifier.verify(otherPayload).passed(Verification.Name.SIGNATURE));
        assertFalse(opensslAccepts(pub, otherPayload.signingPayload(), LittleEndian.reversed(signed.signatureLittleEndian())));
    }

    private boolean opensslAccepts(Path pub, byte[] payload, byte[] signatureBe) throws IOException {
        Path p = Files.write(dir.resolve("payload"), payload);
        Path sig = Files.write(dir.resolve("sig"), signatureBe);
        Tools.Result r = Tools.run(null, "openssl", "dgst", "-sha256", "-verify", pub.toString(), "-signature",
                sig.toString(), p.toString());
        return r.exitCode() == 0;
    }
}
