package org.enclaveos.signer.sgx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;

class SigstructTest {

    @Test
    void decodesTheFortanixVectorFields() throws IOException {
        Sigstruct s = Sigstruct.parse(Files.readAllBytes(Vectors.file("fortanix-sig1/sig1.sigstruct.bin")));
        assertEquals("c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d", s.mrenclave().hex());
        assertEquals("2016-01-09", s.date().iso());
        assertEquals(SigstructDate.Encoding.BCD, s.date().encoding());
        assertEquals(new Attributes(0x4, 0x3), s.attributes());
        assertEquals(new Attributes(0xfffffffffffffffdL, 0xffffffffffffff1bL), s.attributeMask());
        assertEquals(0xffffffff, s.miscMask());
        assertEquals("83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e", s.mrsigner().hex());
        assertArrayEquals(Files.readAllBytes(Vectors.file("fortanix-sig1/sig1.payload.sha256.bin")),
                s.signingPayloadSha256().toBytes());
        // Mask leaves DEBUG (0x2) open: such a signature also launches in debug mode.
        assertTrue(s.debug());
    }

    @Test
    void decodesIntelLaunchEnclaves() throws IOException {
        Sigstruct s = Sigstruct.read(Vectors.file("intel-le/le_prod_css.v2.25.bin"));
        assertEquals(0x8086, s.vendor());
        assertEquals(0x10, s.swDefined());
        assertEquals(32, s.isvProdId());
        assertEquals(7, s.isvSvn());
        assertEquals("2024-08-11", s.date().iso());
        assertEquals(new Attributes(0xff00ffffffffffffL, 0xffffffffffffff1bL), s.attributeMask());
        assertEquals("acb77012053e05a63d413b8bbae8fb6c5d73b3f2996d91c43bbbf90959c0f8d4", s.mrsigner().hex());
        assertFalse(s.debug(), "Intel's LE is a production enclave");
    }

    @Test
    void payloadIsTheTwoSignedRanges() throws IOException {
        byte[] raw = Files.readAllBytes(Vectors.file("kernel-selftest/encl.ss"));
        byte[] payload = Sigstruct.parse(raw).signingPayload();
        assertArrayEquals(Arrays.copyOfRange(raw, 0, 128), Arrays.copyOfRange(payload, 0, 128));
        assertArrayEquals(Arrays.copyOfRange(raw, 900, 1028), Arrays.copyOfRange(payload, 128, 256));
        assertEquals("58ef2b4fe0ba7861c3a466fcd016498245640165f7e225381425500e3dfd46f3",
                Sigstruct.parse(raw).signingPayloadSha256().hex());
    }

    @Test
    void builderReproducesTheUnsignedFieldsOfTheKernelSelftest() throws IOException {
        Sigstruct expected = Sigstruct.read(Vectors.file("kernel-selftest/encl.ss"));
        Sigstruct built = Sigstruct.builder()
                .attributes(new Attributes(0x4, 0x3))
                .mrenclave(Hash256.parse("mrenclave", "b999536238fcf4e9d360ef6cd3e0c20ef8a684c7b93f74a9c4a4c6d517d61fc0"))
                .build();
        assertArrayEquals(expected.signingPayload(), built.signingPayload());
        assertEquals(expected.unsigned(), built);
        assertFalse(built.isSigned());
    }

    @Test
    void refusesWrongSizes() {
        SignerException shorter = assertThrows(SignerException.class, () -> Sigstruct.parse(new byte[1807]));
        assertEquals(ErrorKind.MALFORMED_INPUT, shorter.kind());
        assertEquals("a SIGSTRUCT has 1808 bytes, this has 1807", shorter.getMessage());
        assertThrows(SignerException.class, () -> Sigstruct.parse(new byte[1809]));
        assertThrows(SignerException.class, () -> Sigstruct.parse(new byte[0]));
    }

    @Test
    void refusesWrongHeaders() throws IOException {
        byte[] raw = Files.readAllBytes(Vectors.file("kernel-selftest/encl.ss"));
        raw[4] ^= 1;
        SignerException e = assertThrows(SignerException.class, () -> Sigstruct.parse(raw));
        assertTrue(e.getMessage().startsWith("SIGSTRUCT HEADER is "), e.getMessage());
        byte[] raw2 = Files.readAllBytes(Vectors.file("kernel-selftest/encl.ss"));
        raw2[30] ^= 1;
        SignerException e2 = assertThrows(SignerException.class, () -> Sigstruct.parse(raw2));
        assertTrue(e2.getMessage().startsWith("SIGSTRUCT HEADER2 is "), e2.getMessage());
    }

    @Test
    void builderRefusesOutOfRangeValuesAndInit() {
        assertThrows(IllegalArgumentException.class, () -> Sigstruct.builder().isvProdId(65536));
        assertThrows(IllegalArgumentException.class, () -> Sigstruct.builder().isvSvn(-1));
        assertThrows(IllegalArgumentException.class, () -> Sigstruct.builder().attributes(new Attributes(0x5, 3)));
        assertThrows(IllegalStateException.class, () -> Sigstruct.builder().build());
    }
}
