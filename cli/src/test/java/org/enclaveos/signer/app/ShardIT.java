package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * prepare over several machines: a batch of 30 split into 3 shards run as separate processes at once
 * (one through a Kubernetes Indexed Job's variables), then one ceremony over the three directories.
 */
class ShardIT {
    @TempDir
    Path dir;

    static Map<String, byte[]> requests(Path d) throws Exception {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".request.json")).toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    @Test
    void threeShardsWriteExactlyTheUnshardedRequestsAndSignAsOneCeremony() throws Exception {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            batch.append(String.format("{\"mrenclave\": \"%064x\", \"name\": \"app%02d\", \"isvprodid\": 1, \"isvsvn\": %d, "
                    + "\"date\": \"2026-11-30\"}%n", i + 1, i, i % 5));
            if (i == 10) {
                batch.append('\n'); // a blank line counts as a line: the shards still agree on who takes what
            }
        }
        Path file = Files.writeString(dir.resolve("batch.jsonl"), batch);
        Tools.Result all = Tools.run(null, LauncherIT.LAUNCHER, "prepare", "--batch", file.toString(), "--out",
                dir.resolve("all").toString());
        assertEquals(0, all.exitCode(), all.stderr());

        List<Process> shards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ProcessBuilder pb = new ProcessBuilder(LauncherIT.LAUNCHER, "prepare", "--batch", file.toString(), "--out",
                    dir.resolve("shard" + i).toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("shard" + i + ".log").toFile());
            if (i == 2) {
                pb.environment().put("JOB_COMPLETION_INDEX", "2");
                pb.environment().put("JOB_COMPLETIONS", "3");
            } else {
                pb.command().addAll(List.of("--shard", i + "/3"));
            }
            shards.add(pb.start());
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0, shards.get(i).waitFor(), Files.readString(dir.resolve("shard" + i + ".log")));
        }
        assertTrue(Files.readString(dir.resolve("shard2.log")).contains("shard 2/3: 9 entries") && Files.readString(dir.resolve("shard2.log")).contains("shard 2/3: lines 3, 6, ..."),
                "the Indexed Job's variables were used: " + Files.readString(dir.resolve("shard2.log")));

        Map<String, byte[]> expected = requests(dir.resolve("all"));
        assertEquals(30, expected.size());
        Map<String, byte[]> union = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            Map<String, byte[]> shard = requests(dir.resolve("shard" + i));
            assertTrue(shard.size() >= 9 && shard.size() <= 11, "shard " + i + ": " + shard.keySet());
            for (Map.Entry<String, byte[]> e : shard.entrySet()) {
                assertTrue(union.put(e.getKey(), e.getValue()) == null, e.getKey() + " was written by two shards");
            }
        }
        assertEquals(expected.keySet(), union.keySet(), "none lost, none added");
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name), union.get(name), name + " differs from the unsharded run's");
        }

        Path key = dir.resolve("k.pem");
        assertEquals(0, Tools.run(null, LauncherIT.LAUNCHER, "keygen", "--out", key.toString()).exitCode());
        String[] shardDirs = {dir.resolve("shard0").toString(), dir.resolve("shard1").toString(), dir.resolve("shard2").toString()};
        Tools.Result digestShards = Tools.run(null, concat(new String[] {LauncherIT.LAUNCHER, "sign-offline"}, shardDirs,
                "--print-batch-digest"));
        Tools.Result digestAll = Tools.run(null, LauncherIT.LAUNCHER, "sign-offline", dir.resolve("all").toString(),
                "--print-batch-digest");
        assertEquals(digestAll.out(), digestShards.out(), "approvers sign the same batch either way");
        Tools.Result sign = Tools.run(null, concat(new String[] {LauncherIT.LAUNCHER, "sign-offline"}, shardDirs,
                "--key", key.toString(), "--out", dir.resolve("signed").toString(), "--yes"));
        assertEquals(0, sign.exitCode(), sign.stderr());
        assertTrue(sign.out().contains("30 signed"), sign.out());
        List<String> journal = Files.readAllLines(dir.resolve("signed/journal.jsonl"));
        assertEquals(1, journal.stream().filter(l -> l.contains("\"event\":\"ceremony-start\"")).count(), "one ceremony");
        assertEquals(32, journal.size(), "start, 30 requests, end");
    }

    static String[] concat(String[] head, String[] middle, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(middle));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
