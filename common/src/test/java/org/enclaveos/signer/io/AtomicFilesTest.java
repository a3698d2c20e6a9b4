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
    void onlyTheTemporaryFilesOfTheNamedOutputsAreRemoved() throws IOException {
        Files.write(dir.resolve(".a.sigstruct.123456.tmp"), new byte[] {1});
        Files.write(dir.resolve(".b.response.json.99.tmp"), new byte[] {2});
        Files.write(dir.resolve("a.sigstruct"), new byte[] {3});
        Files.write(dir.resolve(".keep-me"), new byte[] {4});
        Files.write(dir.resolve("visible.tmp"), new byte[] {5});
        Files.write(dir.resolve(".someone-elses.tmp"), new byte[] {6});        // hidden *.tmp, not ours
        Files.write(dir.resolve(".c.sigstruct.123.tmp"), new byte[] {7});      // ours in form, not an output named
        Files.write(dir.resolve(".a.sigstruct.12x.tmp"), new byte[] {8});      // not our temp name
        Path elsewhere = Files.createTempFile("victim", ".bin");
        Files.createSymbolicLink(dir.resolve(".b.response.json.7.tmp"), elsewhere);
        AtomicFiles.deleteStaleTemps(dir, List.of("a.sigstruct", "b.response.json"));
        assertEquals(List.of(".a.sigstruct.12x.tmp", ".b.response.json.7.tmp", ".c.sigstruct.123.tmp", ".keep-me",
                ".someone-elses.tmp", "a.sigstruct", "visible.tmp"), names());
        assertEquals(true, Files.exists(elsewhere));
        AtomicFiles.deleteStaleTemps(dir.resolve("missing"), List.of("a")); // a directory not made yet is not an error
    }

    @Test
    void aSymbolicLinkInPlaceOfAnOutputIsNeitherFollowedNorConfirmed() throws IOException {
        Path elsewhere = Files.createTempFile("victim", ".bin");
        Files.write(elsewhere, new byte[] {1, 2});
        Files.createSymbolicLink(dir.resolve("out.bin"), elsewhere);
        SignerException e = assertThrows(SignerException.class,
                () -> AtomicFiles.createOrConfirm(dir.resolve("out.bin"), new byte[] {1, 2}, false));
        assertEquals(ErrorKind.OUTPUT_EXISTS, e.kind());
        assertEquals(true, e.getMessage().contains("symbolic link"), e.getMessage());
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

    /**
     * An array is written in one go and a stream through a buffer; both arrive whole, larger than the
     * buffer and of an odd size, and replace() takes the array path too.
     */
    @Test
    void arraysAndStreamsOfAnySizeArriveWhole() throws IOException {
        byte[] big = new byte[(3 << 20) + 7];
        new java.util.Random(17).nextBytes(big);
        AtomicFiles.createNew(dir.resolve("array.bin"), big, false);
        AtomicFiles.createNew(dir.resolve("stream.bin"), out -> {
            for (int i = 0; i < big.length; i += 1000) {
                out.write(big, i, Math.min(1000, big.length - i));
            }
        }, false);
        AtomicFiles.replace(dir.resolve("array.bin"), java.util.Arrays.copyOf(big, big.length - 1), false);
        assertArrayEquals(big, Files.readAllBytes(dir.resolve("stream.bin")));
        assertArrayEquals(java.util.Arrays.copyOf(big, big.length - 1), Files.readAllBytes(dir.resolve("array.bin")));
        assertEquals(List.of("array.bin", "stream.bin"), names());
    }
    /**
     * While it is written, an output is a temporary file that deleteStaleTemps recognises as this output's
     * (so a killed writer's leftover is cleaned), with the final mode from the first byte: a key is never
     * readable by others, not even half-written.
     */
    @Test
    void theTemporaryFileIsRecognisedAsTheOutputsAndHasItsModeFromTheStart() throws IOException {
        for (boolean secret : new boolean[] {true, false}) {
            String name = secret ? "key.pem" : "out.bin";
            List<String> seen = new java.util.ArrayList<>();
            AtomicFiles.createNew(dir.resolve(name), out -> {
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path p : s.filter(p -> !p.getFileName().toString().endsWith(".bin")
                            && !p.getFileName().toString().equals("key.pem")).toList()) {
                        seen.add(AtomicFiles.temporaryOf(p.getFileName().toString()) + " "
                                + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                    }
                }
                out.write(1);
            }, secret);
            assertEquals(List.of(name + (secret ? " rw-------" : " rw-r--r--")), seen);
            assertEquals(secret ? "rw-------" : "rw-r--r--",
                    java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))));
        }
        assertEquals(List.of("key.pem", "out.bin"), names());
    }

    /** What a name holds, a link not followed: a dangling link is a link, not an absent file. */
    @Test
    void presenceTellsAbsentFromLinkFromPresent() throws IOException {
        Path file = Files.write(dir.resolve("file"), new byte[] {1});
        Files.createSymbolicLink(dir.resolve("link"), file);
        Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        assertEquals(AtomicFiles.Presence.ABSENT, AtomicFiles.presence(dir.resolve("nowhere")));
        assertEquals(AtomicFiles.Presence.PRESENT, AtomicFiles.presence(file));
        assertEquals(AtomicFiles.Presence.PRESENT, AtomicFiles.presence(dir));
        assertEquals(AtomicFiles.Presence.LINK, AtomicFiles.presence(dir.resolve("link")));
        assertEquals(AtomicFiles.Presence.LINK, AtomicFiles.presence(dir.resolve("dangling")));
        SignerException e = assertThrows(SignerException.class,
                () -> AtomicFiles.createOrConfirm(dir.resolve("dangling"), new byte[] {1}, false));
        assertEquals(ErrorKind.OUTPUT_EXISTS, e.kind());
        assertEquals(false, Files.exists(dir.resolve("nowhere")), "the link was not followed");
    }
}
