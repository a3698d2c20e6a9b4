package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.SmallDisk;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ceremony whose output file system fills up, on a real 48 KiB tmpfs ({@link SmallDisk}). */
class FullDiskTest {
    @TempDir
    static Path keys;
    static Path keyFile;

    @TempDir
    Path dir;

    @BeforeAll
    static void key() {
        keyFile = keys.resolve("signer.pem");
        PemKeys.writePrivateKey(PemKeys.generate("signer"), keyFile);
    }

    /** sign-offline REQ --key KEY --out OUT --yes */
    private static CliRun ceremony(Path req, Path out) {
        return CliRun.run(new SignOfflineCommand(), req.toString(), "--key", keyFile.toString(), "--out", out.toString(),
                "--yes");
    }

    @Test
    void aFullDiskIsOneClearErrorLeavesOnlyCompleteOutputsAndARerunFinishes() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 20, null);
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("small"), "48k")) {
            Path out = disk.root.resolve("signed");
            CliRun full = ceremony(req, out);
            assertEquals(3, full.exitCode(), full::toString);
            assertTrue(full.lastErrLine().startsWith("enclaveos-signer: " + out), full.err());
            assertTrue(full.lastErrLine().contains("No space left on device"), full.err());

            Map<Path, byte[]> before = outputs(out);
            assertTrue(before.keySet().stream().noneMatch(p -> p.getFileName().toString().endsWith(".tmp")),
                    "no temporary file is left: " + before.keySet());
            int sigstructs = 0;
            for (Map.Entry<Path, byte[]> e : before.entrySet()) {
                if (e.getKey().toString().endsWith(".sigstruct")) {
                    sigstructs++;
                    assertTrue(SigstructVerifier.verify(Sigstruct.parse(e.getValue())).valid(),
                            e.getKey() + " is complete and valid");
                }
            }
            assertTrue(sigstructs > 0 && sigstructs < 20, "the disk filled mid-ceremony (" + sigstructs + " SIGSTRUCTs)");
            Path journal = out.resolve("journal.jsonl");
            if (Files.exists(journal)) {
                Journal.verify(journal); // a failed append was rolled back: the chain ends with a complete line
            }

            // More room, the same command: it finishes, keeps every earlier output byte for byte.
            disk.resize("2m");
            CliRun rerun = ceremony(req, out);
            assertEquals(0, rerun.exitCode(), rerun::toString);
            Map<Path, byte[]> after = outputs(out);
            before.forEach((p, bytes) -> {
                if (!p.equals(journal)) {
                    assertArrayEquals(bytes, after.get(p), p + " unchanged by the rerun");
                }
            });
            assertEquals(20, after.keySet().stream().filter(p -> p.toString().endsWith(".sigstruct")).count());
            Journal.verify(journal);
        }
    }

    @Test
    void aJournalLineCutByACrashIsDroppedAndRecordedByTheNextCeremony() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, null);
        Path out = dir.resolve("signed");
        assertEquals(0, ceremony(req, out).exitCode());
        Path journal = out.resolve("journal.jsonl");
        byte[] torn = "{\"seq\":5,\"prev\":\"ab".getBytes(StandardCharsets.US_ASCII);
        Files.write(journal, torn, java.nio.file.StandardOpenOption.APPEND);

        CliRun verify = CliRun.run(new SignOfflineCommand(), "--verify-journal", journal.toString());
        assertEquals(1, verify.exitCode(), "verifying alone still reports the cut line");
        assertTrue(verify.lastErrLine().contains("journal broken at line 5: the line is incomplete"), verify.err());

        CliRun rerun = ceremony(req, out);
        assertEquals(0, rerun.exitCode(), rerun::toString);
        assertEquals(9, Journal.verify(journal).lines(), "4 + recovered + start, 2 already signed, end");
        List<String> lines = Files.readAllLines(journal);
        assertTrue(lines.get(4).contains("\"event\":\"journal-recovered\",\"droppedBytes\":" + torn.length
                + ",\"droppedSha256\":\"" + org.enclaveos.signer.sgx.Hash256.sha256(torn).hex() + "\""), lines.get(4));
    }

    private static Map<Path, byte[]> outputs(Path out) throws IOException {
        Map<Path, byte[]> files = new HashMap<>();
        if (!Files.isDirectory(out)) {
            return files;
        }
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.toList()) {
                files.put(p, Files.readAllBytes(p));
            }
        }
        return files;
    }
}
