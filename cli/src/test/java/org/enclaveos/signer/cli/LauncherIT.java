package org.enclaveos.signer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ./enclaveos-signer launcher as a user types it, run against the packaged jar. */
class LauncherIT {
    static final String LAUNCHER = Vectors.projectRoot().resolve("enclaveos-signer").toString();

    @TempDir
    Path dir;

    @Test
    void versionAndHelp() {
        Tools.Result version = Tools.run(null, LAUNCHER, "--version");
        assertEquals(0, version.exitCode(), version.stderr());
        assertTrue(version.out().startsWith("enclaveos-signer 0."), version.out());
        Tools.Result help = Tools.run(null, LAUNCHER, "--help");
        assertEquals(0, help.exitCode(), help.stderr());
        for (String cmd : new String[] {"demo", "prepare", "sign-offline", "attach", "measure", "inspect", "verify", "keygen"}) {
            assertTrue(help.out().contains("  " + cmd + " "), help.out());
        }
        assertTrue(help.out().contains("Exit codes:"), help.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "prepare", "sign-offline", "attach", "measure", "inspect", "verify", "keygen"})
    void everySubcommandHasHelp(String command) {
        Tools.Result r = Tools.run(null, LAUNCHER, command, "--help");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.out().startsWith("Usage: enclaveos-signer " + command), r.out());
        assertTrue(r.out().contains("Example"), r.out());
    }

    @Test
    void keygenThenInspectAVectorAsAUserWould() throws Exception {
        Path key = dir.resolve("debug.pem");
        Tools.Result keygen = Tools.run(null, LAUNCHER, "keygen", "--out", key.toString());
        assertEquals(0, keygen.exitCode(), keygen.stderr());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

        Tools.Result verify = Tools.run(null, LAUNCHER, "verify", Vectors.file("kernel-selftest/encl.ss").toString(),
                "--mrsigner", "2f9f8fd4fe12d77232f1d87571ca8252ca27714efe7705e46222cffd5a22e8c4");
        assertEquals(0, verify.exitCode(), verify.stderr());
    }

    @Test
    void theQuickStartDemoRunsThroughTheLauncher() {
        Tools.Result demo = Tools.run(null, LAUNCHER, "demo", "--dir", dir.resolve("demo").toString());
        assertEquals(0, demo.exitCode(), demo.out() + demo.stderr());
        assertTrue(demo.out().contains("# done: the image at oci:"), demo.out());
    }

    @Test
    void theStandaloneSignOfflineJarSignsAndHasKeygen() throws Exception {
        Path jar = Vectors.projectRoot().resolve("sign-offline/target/sign-offline.jar");
        Path key = dir.resolve("k.pem");
        Tools.Result keygen = Tools.run(null, "java", "-jar", jar.toString(), "keygen", "--out", key.toString());
        assertEquals(0, keygen.exitCode(), keygen.stderr());
        Tools.Result help = Tools.run(null, "java", "-jar", jar.toString(), "--help");
        assertEquals(0, help.exitCode(), help.stderr());
        assertTrue(help.out().startsWith("Usage: sign-offline"), help.out());
        Tools.Result journal = Tools.run(null, "java", "-jar", jar.toString(), "--verify-journal", dir.resolve("none").toString());
        assertEquals(3, journal.exitCode(), journal.stderr());
        // Nothing in the air-gapped jar can open a registry connection or read a tar layer.
        String listing;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            listing = String.join("\n", zip.stream().map(java.util.zip.ZipEntry::getName).toList());
        }
        for (String banned : new String[] {"com/google/cloud/tools/jib", "org/apache/commons/compress", "org/apache/http",
            "org/enclaveos/signer/prepare", "org/enclaveos/signer/attach"}) {
            assertTrue(!listing.contains(banned), banned + " must not be in sign-offline.jar");
        }
    }

    @Test
    void userErrorsAreOneLineWithoutStackTraceUnlessVerbose() throws Exception {
        Path junk = Files.write(dir.resolve("junk.bin"), new byte[100]);
        Tools.Result r = Tools.run(null, LAUNCHER, "inspect", junk.toString());
        assertEquals(4, r.exitCode());
        assertEquals("enclaveos-signer: " + junk + ": a SIGSTRUCT has 1808 bytes, this has 100\n", r.stderr());
        Tools.Result verbose = Tools.run(null, LAUNCHER, "inspect", junk.toString(), "--verbose");
        assertEquals(4, verbose.exitCode());
        assertTrue(verbose.stderr().contains("at org.enclaveos.signer."), verbose.stderr());
    }
}
