package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 11: scripts/fetch-vectors gets every vector a user needs, checks each SHA-256, and
 * writes nothing wrong. Run against a mirror laid out as the pinned sources (repo/commit/path) built
 * from ../shared/vectors, since tests do not reach the internet; the sources' pins were checked
 * against the repositories themselves when the manifest was written.
 */
class FetchVectorsIT {
    static final Path SCRIPT = Vectors.projectRoot().resolve("scripts/fetch-vectors");

    @TempDir
    Path dir;

    record Entry(String file, String sha256, String kind, String[] source) {
    }

    static List<Entry> manifest() throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String line : Files.readAllLines(Vectors.projectRoot().resolve("scripts/vectors.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            entries.add(new Entry(f[0], f[1], f[2], java.util.Arrays.copyOfRange(f, 3, f.length)));
        }
        return entries;
    }

    @Test
    void fetchesEveryVectorChecksItAndRefusesAWrongOne() throws IOException {
        Tools.require("curl");
        Tools.require("xxd");
        Path vectors = Vectors.dir();
        List<Entry> entries = manifest();
        // Every vector CI uses is in the manifest, so a user can fetch exactly what CI has.
        TreeSet<String> shared = new TreeSet<>();
        try (Stream<Path> s = Files.walk(vectors)) {
            s.filter(Files::isRegularFile).map(p -> vectors.relativize(p).toString()).filter(p -> !p.equals("README.md"))
                    .forEach(shared::add);
        }
        assertEquals(shared, new TreeSet<>(entries.stream().map(Entry::file).toList()));

        Path mirror = dir.resolve("mirror");
        for (Entry e : entries) {
            if (e.kind().equals("github")) {
                Path at = mirror.resolve(e.source()[0]).resolve(e.source()[1]).resolve(e.source()[2]);
                Files.createDirectories(at.getParent());
                Files.copy(vectors.resolve(e.file()), at);
            }
        }
        Path out = dir.resolve("out");
        Tools.Result r = Tools.run(null, "env", "VECTORS_BASE_URL=file://" + mirror, SCRIPT.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        for (Entry e : entries) {
            assertArrayEquals(Files.readAllBytes(vectors.resolve(e.file())), Files.readAllBytes(out.resolve(e.file())),
                    e.file());
        }
        // A source that changed is refused by its SHA-256, and nothing is written for it.
        Entry le = entries.stream().filter(e -> e.file().startsWith("intel-le/")).findFirst().orElseThrow();
        Path source = mirror.resolve(le.source()[0]).resolve(le.source()[1]).resolve(le.source()[2]);
        byte[] bytes = Files.readAllBytes(source);
        bytes[100] ^= 1;
        Files.write(source, bytes);
        Path fresh = dir.resolve("fresh");
        Tools.Result bad = Tools.run(null, "env", "VECTORS_BASE_URL=file://" + mirror, SCRIPT.toString(), fresh.toString());
        assertEquals(1, bad.exitCode(), bad.stderr());
        assertTrue(bad.stderr().contains("fetch-vectors: " + le.file() + ": SHA-256 is "), bad.stderr());
        assertFalse(Files.exists(fresh.resolve(le.file())), "a wrong file is not written");
    }
}
