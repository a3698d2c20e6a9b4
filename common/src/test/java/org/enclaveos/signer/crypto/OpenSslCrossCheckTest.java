package org.enclaveos.signer.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

    @Test
    void aTamperedSignatureFailsOpensslToo() throws IOException {
        Path key = OpenSslKeys.rsa(dir, "key.pem", 3072, 3);
        Path pub = OpenSslKeys.convert(key, dir, "pub.pem", "pkey", "-pubout");
        Sigstruct signed = SigstructSigner.sign(
                Sigstruct.builder().mrenclave(Hash256.sha256(new byte[0])).build(),
                PemKeys.loadSigningKey(key, PassphraseSource.NONE));
        byte[] be = LittleEndian.reversed(signed.signatureLittleEndian());
        be[100] ^= 1;
        Path payload = Files.write(dir.resolve("payload"), signed.signingPayload());
        Path sig = Files.write(dir.resolve("sig"), be);
        Tools.Result r = Tools.run(null, "openssl", "dgst", "-sha256", "-verify", pub.toString(),
                "-signature", sig.toString(), payload.toString());
        assertNotEquals(0, r.exitCode());
    }
}
