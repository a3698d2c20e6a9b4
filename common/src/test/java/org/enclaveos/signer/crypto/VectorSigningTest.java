package org.enclaveos.signer.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.LocalDate;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;
import org.enclaveos.signer.sgx.SigstructField;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Byte-for-byte agreement with SIGSTRUCTs other toolchains made. */
class VectorSigningTest {

    @Test
    void reproducesTheKernelSelftestSigstructFromItsFieldsAndKey() throws IOException {
        byte[] expected = Files.readAllBytes(Vectors.file("kernel-selftest/encl.ss"));
        SigningKey key = PemKeys.loadSigningKey(Vectors.file("kernel-selftest/encl.pem"), PassphraseSource.NONE);
        Sigstruct unsigned = Sigstruct.builder()
                .date(SigstructDate.NONE)
                .vendor(0)
                .attributes(new Attributes(0x4, 0x3))
                .attributeMask(new Attributes(0, 0))
                .mrenclave(Hash256.parse("mrenclave", "b999536238fcf4e9d360ef6cd3e0c20ef8a684c7b93f74a9c4a4c6d517d61fc0"))
                .build();
        Sigstruct signed = SigstructSigner.sign(unsigned, key);
        assertEquals("2f9f8fd4fe12d77232f1d87571ca8252ca27714efe7705e46222cffd5a22e8c4", signed.mrsigner().hex());
        assertArrayEquals(expected, signed.toBytes());
    }

    @Test
    void reproducesFortanixSig1FromItsFieldsAndKey() throws IOException {
        byte[] expected = Files.readAllBytes(Vectors.file("fortanix-sig1/sig1.sigstruct.bin"));
        SigningKey key = PemKeys.loadSigningKey(Vectors.file("fortanix-sig1/sig1.key.pem"), PassphraseSource.NONE);
        Sigstruct signed = SigstructSigner.sign(fortanixFields(), key);
        assertEquals("83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e", signed.mrsigner().hex());
        assertEquals("ea7ced3b8c78324bce65ad851152a125fd1989df324dc72b244ed5f44573ac95", signed.signingPayloadSha256().hex());
        assertArrayEquals(expected, signed.toBytes());
    }

    @Test
    void assemblesAnExternalBigEndianSignatureIntoTheSameSigstruct() throws IOException {
        byte[] expected = Files.readAllBytes(Vectors.file("fortanix-sig1/sig1.sigstruct.bin"));
        byte[] signatureBe = Files.readAllBytes(Vectors.file("fortanix-sig1/sig1.signature.be.bin"));
        VerifyingKey pub = VerifyingKey.fromSigstruct(Sigstruct.parse(expected), "sig1");
        assertArrayEquals(expected, SigstructSigner.assemble(fortanixFields(), pub, signatureBe).toBytes());
    }

    @Test
    void refusesToAssembleASignatureOverOtherFields() throws IOException {
        byte[] expected = Files.readAllBytes(Vectors.file("fortanix-sig1/sig1.sigstruct.bin"));
        byte[] signatureBe = Files.readAllBytes(Vectors.file("fortanix-sig1/sig1.signature.be.bin"));
        VerifyingKey pub = VerifyingKey.fromSigstruct(Sigstruct.parse(expected), "sig1");
        Sigstruct other = fortanixFields().toBuilder().isvSvn(1).build();
        SignerException e = org.junit.jupiter.api.Assertions.assertThrows(SignerException.class,
                () -> SigstructSigner.assemble(other, pub, signatureBe));
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
    }

    static Sigstruct fortanixFields() {
        return Sigstruct.builder()
                .date(SigstructDate.of(LocalDate.of(2016, 1, 9)))
                .attributes(new Attributes(0x4, 0x3))
                .attributeMask(new Attributes(0xfffffffffffffffdL, 0xffffffffffffff1bL))
                .miscSelect(0)
                .miscMask(0xffffffff)
                .mrenclave(Hash256.parse("mrenclave", "c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d"))
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"le_prod_css.v1.5-initial.bin", "le_prod_css.v2.7.bin", "le_prod_css.v2.25.bin"})
    void intelLaunchEnclavesVerifyAndEveryFlippedSignedByteFails(String name) throws IOException {
        byte[] raw = Files.readAllBytes(Vectors.file("intel-le/" + name));
        Sigstruct s = Sigstruct.parse(raw);
        Verification v = SigstructVerifier.verify(s);
        assertTrue(v.valid(), () -> name + ": " + v.firstFailure());
        assertEquals("acb77012053e05a63d413b8bbae8fb6c5d73b3f2996d91c43bbbf90959c0f8d4", s.mrsigner().hex());

        int tried = 0;
        for (int offset = 0; offset < Sigstruct.SIZE; offset++) {
            SigstructField f = SigstructField.at(offset);
            boolean covered = f.signed() || f == SigstructField.SIGNATURE || f == SigstructField.Q1 || f == SigstructField.Q2;
            if (!covered) {
                continue;
            }
            byte[] flipped = raw.clone();
            flipped[offset] ^= (byte) 0x01;
            assertFalse(verifies(flipped), name + ": flipping byte " + offset + " (" + f + ") went unnoticed");
            tried++;
        }
        assertEquals(256 + 384 * 3, tried);
    }

    private static boolean verifies(byte[] raw) {
        try {
            return SigstructVerifier.verify(Sigstruct.parse(raw)).valid();
        } catch (SignerException e) {
            return false;
        }
    }
}
