package org.enclaveos.signer.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.SdkEnclaveFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedEnclaveTest {
    @TempDir
    Path dir;

    static Sigstruct sigstruct(int svn) {
        return Sigstruct.builder().isvSvn(svn).mrenclave(Hash256.sha256(new byte[] {1})).build();
    }

    @Test
    void findsEveryMetadataBlockAndItsSigstructThroughTheNote() throws IOException {
        SdkEnclaveFixture fixture = new SdkEnclaveFixture()
                .prefixPadding(0x13) // odd placement: the metadata is not aligned
                .block(2, 4, sigstruct(5).toBytes(), 4104)
                .block(1, 4, sigstruct(5).toBytes(), 4000);
        Path file = Files.write(dir.resolve("enclave.signed.so"), fixture.build());
        assertTrue(org.enclaveos.signer.elf.ElfFile.isElf(file));
        SignedEnclave e = SignedEnclave.read(file);
        assertEquals(2, e.blocks().size());
        assertEquals("2.4", e.blocks().get(0).version());
        assertEquals("1.4", e.blocks().get(1).version());
        assertEquals(fixture.metadataOffset() + 64, e.blocks().get(0).sigstructFileOffset());
        assertEquals(fixture.metadataOffset() + 4104 + 64, e.blocks().get(1).sigstructFileOffset());
        assertEquals(5, e.sigstruct().isvSvn());
        assertTrue(e.sigstructsAgree());
        byte[] raw = Files.readAllBytes(file);
        long at = e.blocks().get(1).sigstructFileOffset();
        assertEquals(sigstruct(5), Sigstruct.parse(Arrays.copyOfRange(raw, (int) at, (int) at + Sigstruct.SIZE)));
    }

    @Test
    void reportsBlocksThatDisagree() throws IOException {
        Path file = Files.write(dir.resolve("e.so"), new SdkEnclaveFixture()
                .block(2, 4, sigstruct(1).toBytes(), 4104).block(1, 4, sigstruct(2).toBytes(), 4104).build());
        assertFalse(SignedEnclave.read(file).sigstructsAgree());
    }

    @Test
    void refusesFilesWithoutMetadata() throws IOException {
        Path plain = Files.write(dir.resolve("plain.so"), new SdkEnclaveFixture().build());
        SignerException e = assertThrows(SignerException.class, () -> SignedEnclave.read(plain));
        assertEquals(plain + ": .note.sgxmeta: no metadata block (magic 0x86a80294635d0e4c not found)", e.getMessage());

        byte[] elf32 = new SdkEnclaveFixture().block(2, 4, sigstruct(1).toBytes(), 4104).build();
        elf32[4] = 1;
        Path f32 = Files.write(dir.resolve("e32.so"), elf32);
        assertEquals(ErrorKind.UNSUPPORTED, assertThrows(SignerException.class, () -> SignedEnclave.read(f32)).kind());
    }

    @Test
    void refusesBlocksAndTablesOutsideTheirBounds() throws IOException {
        byte[] bad = new SdkEnclaveFixture().descSize(0x2000).block(2, 4, sigstruct(1).toBytes(), 0x3000).build();
        Path f = Files.write(dir.resolve("bad.so"), Arrays.copyOf(bad, bad.length));
        SignerException e = assertThrows(SignerException.class, () -> SignedEnclave.read(f));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());

        byte[] ok = new SdkEnclaveFixture().block(2, 4, sigstruct(1).toBytes(), 4104).build();
        Path truncated = Files.write(dir.resolve("trunc.so"), Arrays.copyOf(ok, 3000));
        SignerException t = assertThrows(SignerException.class, () -> SignedEnclave.read(truncated));
        assertEquals(ErrorKind.MALFORMED_INPUT, t.kind());
        assertTrue(t.getMessage().contains("lies outside the file"), t.getMessage());
    }
}
