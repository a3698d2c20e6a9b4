package org.enclaveos.signer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsUpToTheLimitAndRefusesOneByteMoreWithoutLoadingIt() throws IOException {
        Path exact = Files.write(dir.resolve("exact"), new byte[100]);
        assertArrayEquals(new byte[100], SmallFiles.read(exact, 100, "signature file"));
        Path big = Files.write(dir.resolve("big"), new byte[101]);
        SignerException e = assertThrows(SignerException.class, () -> SmallFiles.read(big, 100, "signature file"));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
        assertEquals(big + ": larger than any signature file (at most 100 bytes)", e.getMessage());
    }

    @Test
    void aMissingFileOrADirectoryIsAnIoErrorNamingIt() {
        SignerException missing = assertThrows(SignerException.class, () -> SmallFiles.read(dir.resolve("nope"), 10, "x"));
        assertEquals(ErrorKind.IO, missing.kind());
        assertEquals(dir.resolve("nope") + ": no such file", missing.getMessage());
        SignerException directory = assertThrows(SignerException.class, () -> SmallFiles.read(dir, 10, "x"));
        assertEquals(ErrorKind.IO, directory.kind());
        assertEquals(dir + ": not a regular file (a x is expected; pipes, devices and directories are refused)",
                directory.getMessage());
    }

    @Test
    void aSecretFromADeviceThatNeverEndsIsCutAtTheLimit() throws Exception {
        // /dev/zero claims size 0 and never ends: the size is not trusted, the read is bounded.
        SignerException e = assertThrows(SignerException.class, () -> SmallFiles.readAny(Path.of("/dev/zero"), 4096, "passphrase file"));
        assertEquals(ErrorKind.MALFORMED_INPUT, e.kind());
    }

    @Test
    void aFifoOrADeviceGivenAsAnInputFileIsRefusedAtOnce() throws Exception {
        Path fifo = dir.resolve("x.request.json");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        // Nobody writes to it: a read would block for ever. It must be refused without reading.
        SignerException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThrows(SignerException.class, () -> SmallFiles.read(fifo, 4096, "request file")));
        assertEquals(ErrorKind.IO, e.kind());
        assertEquals(fifo + ": not a regular file (a request file is expected; pipes, devices and directories are refused)",
                e.getMessage());
        SignerException dev = assertThrows(SignerException.class, () -> SmallFiles.read(Path.of("/dev/zero"), 4096, "request file"));
        assertEquals(ErrorKind.IO, dev.kind());
    }

    @Test
    void everyReaderOfASmallInputRefusesWhatIsNotAFile() {
        // Each reader calls requireRegular before it opens: a directory stands in for a FIFO (which would block).
        SignerException sigstruct = assertThrows(SignerException.class, () -> org.enclaveos.signer.sgx.Sigstruct.read(dir));
        assertEquals(dir + ": not a regular file (a SIGSTRUCT file is expected; pipes, devices and directories are refused)",
                sigstruct.getMessage());
        SignerException pem = assertThrows(SignerException.class,
                () -> org.enclaveos.signer.crypto.PemKeys.loadVerifyingKey(dir));
        assertEquals(dir + ": not a regular file (a PEM key file is expected; pipes, devices and directories are refused)",
                pem.getMessage());
    }
}
