package org.enclaveos.signer.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.SmallDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare writing its requests onto a full disk: one line, nothing half-written, a rerun with room works. */
class PrepareFullDiskTest {
    @TempDir
    Path dir;

    private static final String[] REQUEST = {"--mrenclave", "ab".repeat(32), "--isvprodid", "1", "--isvsvn", "2",
        "--date", "2026-11-26"};

    @Test
    void aFullDiskIsOneLineAndLeavesNoRequestBehind() throws IOException {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("small"), "4k")) {
            Path out = disk.root.resolve("requests");
            CliRun full = PrepareCommandTest.prepare(out, "app", REQUEST);
            assertEquals(3, full.exitCode(), full::toString);
            assertEquals(1, full.errLines().length, full::toString);
            assertTrue(full.lastErrLine().startsWith("enclaveos-signer: " + out), full.err());
            assertTrue(full.lastErrLine().endsWith("No space left on device"), full.err());
            assertEquals(List.of(), files(out), "no request, bundle or temporary file is left");

            disk.resize("1m");
            CliRun rerun = PrepareCommandTest.prepare(out, "app", REQUEST);
            assertEquals(0, rerun.exitCode(), rerun::toString);
            assertEquals(List.of("app.request.json", "bundle.json"), files(out));
        }
    }

    private static List<String> files(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
