package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.ImageReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, item 1: a batch's requests are attached image by image in one run, with a summary and an honest exit code. */
class BatchAttachTest {
    @TempDir
    Path dir;

    Path key;

    static CliRun run(String... args) {
        return CliRun.run(new EnclaveosSigner(), args);
    }

    @BeforeEach
    void threeImagesPreparedAndSigned() throws Exception {
        StringBuilder batch = new StringBuilder();
        for (String name : new String[] {"web", "db", "cache"}) {
            ImageReference image = new ConvertedImageFixture().write(dir.resolve("src-" + name));
            batch.append("{\"image\": \"").append(image).append("\", \"name\": \"").append(name).append("\", \"target\": \"oci:")
                    .append(dir.resolve("out-" + name)).append(":signed\"}\n");
        }
        Files.writeString(dir.resolve("batch.jsonl"), batch);
        key = dir.resolve("key.pem");
        assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
        CliRun p = run("prepare", "--batch", dir.resolve("batch.jsonl").toString(), "--memory-model", "all", "--production",
                "--date", "2026-11-29", "--out", dir.resolve("req").toString());
        assertEquals(0, p.exitCode(), p::toString);
        CliRun s = run("sign-offline", dir.resolve("req").toString(), "--key", key.toString(), "--out",
                dir.resolve("sig").toString(), "--yes", "--production");
        assertEquals(0, s.exitCode(), s::toString);
    }

    @Test
    void everyImageOfTheDirectoryIsAttachedWithASummary() {
        CliRun a = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(), "--jobs", "2");
        assertEquals(0, a.exitCode(), a::toString);
        assertTrue(a.out().contains("3 images, 3 pushed, 0 failed"), a.out());
        for (String name : new String[] {"web", "db", "cache"}) {
            assertTrue(a.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.contains(" pushed ")
                    && l.contains("out-" + name + ":signed@sha256:") && l.endsWith("(sgx1, sgx2)")), a.out());
            CliRun v = run("verify", "oci:" + dir.resolve("out-" + name) + ":signed", "--mrsigner", mrsigner());
            assertEquals(0, v.exitCode(), v::toString);
        }
    }

    /** Issue 17: shards prepared apart are one ceremony and one attach run, with the same outputs as one directory. */
    @Test
    void shardDirectoriesAreSignedAndAttachedTogether() throws Exception {
        String[] shards = new String[2];
        for (int i = 0; i < 2; i++) {
            shards[i] = dir.resolve("shard" + i).toString();
            CliRun p = run("prepare", "--batch", dir.resolve("batch.jsonl").toString(), "--shard", i + "/2", "--memory-model",
                    "all", "--production", "--date", "2026-11-29", "--out", shards[i]);
            assertEquals(0, p.exitCode(), p::toString);
        }
        CliRun s = run("sign-offline", shards[0], shards[1], "--key", key.toString(), "--out", dir.resolve("sig2").toString(),
                "--yes", "--production");
        assertEquals(0, s.exitCode(), s::toString);
        for (String name : new String[] {"web", "db", "cache"}) {
            for (String model : new String[] {"sgx1", "sgx2"}) {
                String file = name + "." + model + ".sigstruct";
                assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("sig").resolve(file)),
                        Files.readAllBytes(dir.resolve("sig2").resolve(file))), file + " differs from the unsharded ceremony's");
            }
        }
        CliRun a = run("attach", shards[0], shards[1], "--signatures", dir.resolve("sig2").toString());
        assertEquals(0, a.exitCode(), a::toString);
        assertTrue(a.out().contains("3 images, 3 pushed, 0 failed"), a.out());
        for (String name : new String[] {"web", "db", "cache"}) {
            CliRun v = run("verify", "oci:" + dir.resolve("out-" + name) + ":signed", "--mrsigner", mrsigner());
            assertEquals(0, v.exitCode(), v::toString);
        }
    }

    @Test
    void oneImageFailingDoesNotStopTheOthersAndTheExitCodeSaysSo() throws Exception {
        Files.delete(dir.resolve("sig/db.sgx2.sigstruct"));
        CliRun a = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString());
        assertEquals(3, a.exitCode(), a::toString);
        assertTrue(a.out().contains("3 images, 2 pushed, 1 failed"), a.out());
        assertTrue(a.out().lines().anyMatch(l -> l.startsWith("db ") && l.contains("FAILED")), a.out());
        assertTrue(a.err().lines().anyMatch(l -> l.startsWith("enclaveos-signer: db: ") && l.contains("db.sgx2.sigstruct")),
                a.err());
        assertTrue(Files.isDirectory(dir.resolve("out-web")) && Files.isDirectory(dir.resolve("out-cache")));
        assertFalse(Files.exists(dir.resolve("out-db")), "nothing written for the failed image");
    }

    @Test
    void onlyAttachesOneImageAndTargetNeedsIt() {
        CliRun ambiguous = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(),
                "--target", "oci:" + dir.resolve("elsewhere") + ":x");
        assertEquals(2, ambiguous.exitCode(), ambiguous::toString);
        assertTrue(ambiguous.lastErrLine().contains("--target names one image, and these requests come from 3 (cache, db, "
                + "web); give --only NAME"), ambiguous.err());
        CliRun one = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(), "--only",
                "db", "--target", "oci:" + dir.resolve("elsewhere") + ":x");
        assertEquals(0, one.exitCode(), one::toString);
        assertTrue(Files.isDirectory(dir.resolve("elsewhere")));
        assertFalse(Files.exists(dir.resolve("out-web")));
        CliRun none = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(), "--only",
                "nope");
        assertEquals(2, none.exitCode(), none::toString);
        assertEquals("enclaveos-signer: --only nope: no image has requests of that name (names: cache, db, web)",
                none.lastErrLine());
    }

    private String mrsigner() {
        return org.enclaveos.signer.crypto.PemKeys.loadSigningKey(key, org.enclaveos.signer.crypto.PassphraseSource.NONE)
                .publicKey().mrsigner().hex();
    }
}
