package org.enclaveos.signer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void staleTemporaryFilesAreRemovedAndNothingElse() throws IOException {
        Files.write(dir.resolve(".a.sigstruct.123456.tmp"), new byte[] {1});
        Files.write(dir.resolve(".b.response.json.99.tmp"), new byte[] {2});
        Files.write(dir.resolve("a.sigstruct"), new byte[] {3});
        Files.write(dir.resolve(".keep-me"), new byte[] {4});
        Files.write(dir.resolve("visible.tmp"), new byte[] {5});
        AtomicFiles.deleteStaleTemps(dir);
        assertEquals(List.of(".keep-me", "a.sigstruct", "visible.tmp"), names());
        AtomicFiles.deleteStaleTemps(dir.resolve("missing")); // a directory not made yet is not an error
    }

    @Test
    void createNewWritesWholeNeverOverwritesAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("out.bin");
        AtomicFiles.createNew(target, new byte[] {7, 8}, false);
        assertArrayEquals(new byte[] {7, 8}, Files.readAllBytes(target));
        SignerException again = assertThrows(SignerException.class, () -> AtomicFiles.createNew(target, new byte[] {9}, false));
        assertEquals(ErrorKind.OUTPUT_EXISTS, again.kind());
        assertArrayEquals(new byte[] {7, 8}, Files.readAllBytes(target));
        assertEquals(List.of("out.bin"), names());
    }
}
