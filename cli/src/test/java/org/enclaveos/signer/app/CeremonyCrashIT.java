package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a 200-request ceremony, then a rerun: every output present is valid, none
 * is half-written, nothing is signed twice differently, and the journal's chain holds throughout.
 */
class CeremonyCrashIT {
    static final int REQUESTS = 200;

    @TempDir
    Path dir;

    @Test
    void aKilledCeremonyResumesCleanly() throws Exception {
        Path jar = Vectors.projectRoot().resolve("sign-offline/target/sign-offline.jar");
        Path cliJar = Vectors.projectRoot().resolve("cli/target/enclaveos-signer.jar");
        Path requests = dir.resolve("requests");
        Tools.ok("java", "-cp", cliJar.toString(), AotTraining.class.getName(), "requests", Integer.toString(REQUESTS),
                requests.toString());
        Path key = dir.resolve("key.pem");
        Tools.ok("java", "-jar", jar.toString(), "keygen", "--out", key.toString());
        Path out = dir.resolve("signed");
        Path journal = out.resolve("journal.jsonl");

        Process p = new ProcessBuilder("java", "-jar", jar.toString(), requests.toString(), "--key", key.toString(),
                "--out", out.toString(), "--yes", "--ceremony-id", "crash-test")
                .redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile()).start();
        // Wait until the ceremony is well under way, then kill it without warning.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(journal) < 30 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        long journaledBeforeKill = lines(journal);
        assertTrue(journaledBeforeKill > 1, "the ceremony had started: " + Files.readString(dir.resolve("first.log")));

        Map<String, byte[]> firstRun = outputs(out);
        assertTrue(firstRun.size() < REQUESTS, "killed before the end (" + firstRun.size() + " outputs)");
        checkAll(out, requests);
        Tools.ok("java", "-jar", jar.toString(), "--verify-journal", journal.toString());

        Tools.Result rerun = Tools.run(null, "java", "-jar", jar.toString(), requests.toString(), "--key", key.toString(),
                "--out", out.toString(), "--yes", "--ceremony-id", "crash-test-resume");
        assertEquals(0, rerun.exitCode(), rerun.out() + rerun.stderr());
        Map<String, byte[]> all = outputs(out);
        assertEquals(REQUESTS, all.size());
        firstRun.forEach((name, bytes) -> assertArrayEquals(bytes, all.get(name), name + " changed on the rerun"));
        checkAll(out, requests);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(), s.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".tmp")).toList(),
                    "the rerun removed what the killed writer left");
        }
        String ok = new String(Tools.ok("java", "-jar", jar.toString(), "--verify-journal", journal.toString()));
        assertTrue(ok.startsWith("OK "), ok);
        System.out.println("CeremonyCrashIT: killed after " + journaledBeforeKill + " journal lines and " + firstRun.size()
                + " SIGSTRUCTs; the rerun signed the rest and kept those byte for byte");
    }

    static long lines(Path journal) throws Exception {
        if (!Files.exists(journal)) {
            return 0;
        }
        return Files.readString(journal).chars().filter(c -> c == '\n').count();
    }

    static Map<String, byte[]> outputs(Path out) throws Exception {
        Map<String, byte[]> m = new HashMap<>();
        try (Stream<Path> s = Files.list(out)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".sigstruct")).toList()) {
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    /** Every SIGSTRUCT with a final name is complete, valid and signs its request. */
    static void checkAll(Path out, Path requests) throws Exception {
        Map<String, RequestSet.Loaded> byId = new HashMap<>();
        for (RequestSet.Loaded l : RequestSet.load(List.of(requests))) {
            byId.put(l.id(), l);
        }
        for (Map.Entry<String, byte[]> e : outputs(out).entrySet()) {
            Sigstruct s = Sigstruct.parse(e.getValue());
            assertTrue(SigstructVerifier.verify(s).valid(), e.getKey());
            String id = e.getKey().substring(0, e.getKey().length() - ".sigstruct".length());
            assertTrue(s.sameSignedFields(byId.get(id).unsigned()), e.getKey());
        }
    }
}
