package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ./enclaveos-signer launcher as a user types it, run against the packaged jar. */
class LauncherIT {
    static final String LAUNCHER = Vectors.projectRoot().resolve("enclaveos-signer").toString();
    private static final String AOT_OFF = "ENCLAVEOS_SIGNER_AOT=off";
    private static final Path TARGET = Vectors.projectRoot().resolve("cli/target");
    /** The JVM's own output turned back on: a PEM ceremony runs with it off (the launcher, c2-for-rsa.json). */
    private static final String VM_OUTPUT = "-XX:+UnlockDiagnosticVMOptions -XX:+DisplayVMOutput";
    /** Prints the JVM's flags, with its own output back on. */
    private static final String VM_FLAGS = VM_OUTPUT + " -XX:+PrintFlagsFinal";

    @TempDir
    Path dir;

    @Test
    void versionAndHelp() {
        Tools.Result version = Tools.run(null, LAUNCHER, "--version");
        assertEquals(0, version.exitCode(), version.stderr());
        assertTrue(version.out().startsWith("enclaveos-signer 0."), version.out());
        // Issue 13, item 10: the commit, its date, and the SHA-256 of the very jar that runs.
        String jarSha = org.enclaveos.signer.sgx.Hash256.ofFile(Vectors.projectRoot().resolve("cli/target/enclaveos-signer.jar"))
                .hex();
        assertTrue(version.out().contains("\njar sha256 " + jarSha + "\n"), version.out());
        assertTrue(version.out().matches("(?s).*\ncommit [0-9a-f]{12}(-dirty)?, built \\d{4}-\\d\\d-\\d\\dT.*"),
                version.out());
        Tools.Result help = Tools.run(null, LAUNCHER, "--help");
        assertEquals(0, help.exitCode(), help.stderr());
        for (String cmd : new String[] {"demo", "prepare", "sign-offline", "attach", "measure", "inspect", "verify", "keygen"}) {
            assertTrue(help.out().contains("  " + cmd + " "), help.out());
        }
        assertTrue(help.out().contains("Exit codes:"), help.out());
    }

    /**
     * Issue 17: the class-sharing archive the build makes is used when it was made after the jar by the
     * JDK that runs, at the version it has now, and not otherwise (a stale archive would make the JVM share
     * nothing, its own classes included).
     */
    @Test
    void theClassSharingArchiveIsUsedOnlyWhenItMatchesTheJarAndTheJdk() throws Exception {
        Path jsa = Vectors.projectRoot().resolve("cli/target/enclaveos-signer.jsa");
        Path jdk = Vectors.projectRoot().resolve("cli/target/enclaveos-signer.jsa.jdk");
        assertTrue(Files.exists(jsa) && Files.exists(jdk), "mvn package makes the archive and its JDK stamp");
        assertTrue(picocliFromTheArchive(), "a matching archive is used");
        String stamp = Files.readString(jdk);
        try {
            String versionLine = stamp.lines().skip(1).findFirst().orElseThrow();
            Files.writeString(jdk, "/usr/lib/jvm/another-jdk\n" + versionLine + "\n");
            assertFalse(picocliFromTheArchive(), "an archive made by a JDK that is gone is not passed");
            // A JDK that is there, at the stamped version, but is not the java on the PATH.
            Path other = Files.createDirectories(dir.resolve("other-jdk/bin"));
            Files.writeString(other.getParent().resolve("release"), versionLine + "\n");
            assertTrue(Files.writeString(other.resolve("java"), "#!/bin/sh\nexit 1\n").toFile().setExecutable(true));
            Files.writeString(jdk, other.getParent() + "\n" + versionLine + "\n");
            assertFalse(picocliFromTheArchive(), "an archive made by another JDK is not passed");
            Files.writeString(jdk, stamp.lines().findFirst().orElseThrow() + "\nJAVA_RUNTIME_VERSION=\"17.0.0+1\"\n");
            assertFalse(picocliFromTheArchive(), "an archive made by this JDK at another version is not passed");
        } finally {
            Files.writeString(jdk, stamp);
        }
        java.nio.file.attribute.FileTime made = Files.getLastModifiedTime(jsa);
        try {
            Files.setLastModifiedTime(jsa, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(
                    Vectors.projectRoot().resolve("cli/target/enclaveos-signer.jar")).toMillis() - 10_000));
            assertFalse(picocliFromTheArchive(), "an archive older than the jar is not passed");
        } finally {
            Files.setLastModifiedTime(jsa, made);
        }
        assertTrue(picocliFromTheArchive());
    }

    /**
     * Issue 17: when a JDK 25 is installed, the build trains an ahead-of-time cache for each kind of command
     * and the launcher runs each command on that JDK with its kind's cache: a lone --version, the short
     * commands (inspect of a file, verify of a SIGSTRUCT, help), sign-offline, and the rest. A cache older
     * than the jar, a stamp naming a JDK that is gone, or ENCLAVEOS_SIGNER_AOT=off: the java on the PATH,
     * with its archive. The JVM prints no warning in any of these runs.
     */
    @Test
    void eachKindOfCommandRunsOnJdk25WithItsOwnCacheOnlyWhenItMatches() throws Exception {
        Path stamp = TARGET.resolve("enclaveos-signer.aot.jdk");
        if (!Files.exists(stamp)) {
            // The build trains the caches whenever it finds a JDK 25 where this looks; no stamp is right only
            // when there is none (skipped then, or failed in CI, where the tools are required).
            String named = System.getenv("ENCLAVEOS_SIGNER_AOT_JDK");
            String javaBin = named != null ? named + "/bin/java" : "/usr/lib/jvm/*-25-*/bin/java";
            if (named == null && Files.isDirectory(Path.of("/usr/lib/jvm"))) {
                try (java.util.stream.Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
                    javaBin = jdks.filter(d -> d.getFileName().toString().matches(".*-25-.*") && Files.isExecutable(d.resolve("bin/java")))
                            .map(d -> d + "/bin/java").findFirst().orElse(javaBin);
                }
            }
            Tools.require(javaBin);
            org.junit.jupiter.api.Assertions.fail(javaBin + " is installed, yet mvn package made no AOT caches: " + TARGET.resolve("aot"));
        }
        List<String> stamped = Files.readAllLines(stamp);
        Path jdk = Path.of(stamped.get(0));
        assertTrue(Files.readAllLines(jdk.resolve("release")).contains(stamped.get(1)), "the stamp's second line is its "
                + "JDK's JAVA_RUNTIME_VERSION line: " + stamped);
        Path file = Files.writeString(dir.resolve("some.file"), "x");
        assertEquals(cache("version"), aotCache("--version"));
        assertEquals(cache("version"), aotCache("-V"));
        assertEquals(cache("short"), aotCache("inspect", file.toString()));
        assertEquals(cache("short"), aotCache("verify", file.toString()));
        assertEquals(cache("short"), aotCache("--help"));
        assertEquals(cache("ceremony"), aotCache("sign-offline", "requests", "--key", "k.pem", "--out", "o"));
        assertEquals(cache("ceremony"), aotCache("sign-offline", "--verify-journal", "journal.jsonl"));
        // measure keeps C2 for its hash; of SGXS files alone it starts from the short commands' cache.
        Path sgxs = Files.write(dir.resolve("page.sgxs"), "ECREATE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(cache("short"), aotCache("measure", sgxs.toString(), "--json"));
        assertEquals("4", jitLevel("measure", sgxs.toString()));
        assertEquals(cache("general"), aotCache("measure", file.toString()));
        assertEquals(cache("general"), aotCache("measure", sgxs.toString(), "oci:/images/app:1"));
        assertEquals(cache("general"), aotCache("--version", "--quiet"));
        assertEquals(cache("general"), aotCache("verify", "registry.example.com/team/app"));

        // Real runs: the version names the JDK 25 that runs it, and the JVM has nothing to warn about.
        String release = Files.readString(jdk.resolve("release"));
        java.util.regex.Matcher v = java.util.regex.Pattern.compile("(?m)^JAVA_VERSION=\"([^\"]+)\"").matcher(release);
        assertTrue(v.find(), release);
        Tools.Result version = Tools.run(null, LAUNCHER, "--version");
        assertEquals(0, version.exitCode(), version.stderr());
        assertTrue(version.out().endsWith("\nJava " + v.group(1) + "\n"), version.out());
        assertEquals("", version.stderr());
        Path key = dir.resolve("k.pem");
        List<Tools.Result> runs = List.of(Tools.run(null, LAUNCHER, "keygen", "--out", key.toString()),
                Tools.run(null, LAUNCHER, "prepare", "--mrenclave", "ab".repeat(32), "--isvprodid", "1", "--isvsvn", "2",
                        "--name", "app", "--date", "2026-11-29", "--out", dir.resolve("req").toString()),
                Tools.run(null, LAUNCHER, "sign-offline", dir.resolve("req").toString(), "--key", key.toString(), "--out",
                        dir.resolve("signed").toString(), "--yes"),
                Tools.run(null, LAUNCHER, "inspect", dir.resolve("signed/app.sigstruct").toString()),
                Tools.run(null, LAUNCHER, "verify", dir.resolve("signed/app.sigstruct").toString()));
        for (Tools.Result r : runs) {
            assertEquals(0, r.exitCode(), r.stderr());
            assertFalse(r.stderr().contains("[warning]") || r.stderr().contains("WARNING:"), r.stderr());
        }

        String jsa = TARGET.resolve("enclaveos-signer.jsa").toString();
        assertEquals(List.of("none", jsa), cacheAndArchive(AOT_OFF, "--version"));
        assertEquals(List.of("none", jsa), cacheAndArchive(AOT_OFF, "sign-offline", "--verify-journal", "j"));
        String was = Files.readString(stamp);
        try {
            Files.writeString(stamp, dir.resolve("no-such-jdk") + "\n" + stamped.get(1) + "\n");
            assertEquals(List.of("none", jsa), cacheAndArchive("ENCLAVEOS_SIGNER_AOT=", "--version"));
            // The same JDK's home at another version: upgraded in place since the caches were made.
            Files.writeString(stamp, jdk + "\nJAVA_RUNTIME_VERSION=\"25.0.0+1\"\n");
            assertEquals(List.of("none", jsa), cacheAndArchive("ENCLAVEOS_SIGNER_AOT=", "--version"));
        } finally {
            Files.writeString(stamp, was);
        }
        Path versionCache = Path.of(cache("version"));
        java.nio.file.attribute.FileTime made = Files.getLastModifiedTime(versionCache);
        try {
            Files.setLastModifiedTime(versionCache, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(
                    TARGET.resolve("enclaveos-signer.jar")).toMillis() - 10_000));
            assertEquals(List.of("none", jsa), cacheAndArchive("ENCLAVEOS_SIGNER_AOT=", "--version"));
            assertEquals(cache("short"), aotCache("--help"));
        } finally {
            Files.setLastModifiedTime(versionCache, made);
        }
        assertEquals(cache("version"), aotCache("--version"));
    }

    private static String cache(String kind) {
        return TARGET.resolve("enclaveos-signer." + kind + ".aot").toString();
    }

    /** The AOT cache the launcher gives the JVM for a command (which may fail: only the flags count). */
    private static String aotCache(String... args) {
        return cacheAndArchive("ENCLAVEOS_SIGNER_AOT=", args).get(0);
    }

    /**
     * The JVM's AOTCache and SharedArchiveFile flags ("none" for a flag unset or unknown to that JVM).
     */
    private static List<String> cacheAndArchive(String variable, String... args) {
        String flags = launchWith(variable, VM_FLAGS, args).out();
        List<String> values = new java.util.ArrayList<>();
        for (String flag : List.of("AOTCache", "SharedArchiveFile")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*ccstr " + flag + "\\s+= ?(\\S*)").matcher(flags);
            values.add(m.find() && !m.group(1).isEmpty() ? m.group(1) : "none");
        }
        return values;
    }

    private boolean picocliFromTheArchive() throws java.io.IOException {
        Path log = Files.createTempFile(dir, "classes", ".log");
        // --help: a lone --version is answered before picocli is loaded at all. The archive is for the
        // java on the PATH, which runs every command when the JDK 25 caches are turned off.
        Tools.Result r = launchWith(AOT_OFF, "-Xlog:class+load=info:file=" + log, "--help");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.out().startsWith("Usage: enclaveos-signer"), "stdout holds the output only: " + r.out());
        String loaded = Files.readString(log);
        assertTrue(loaded.contains("picocli.CommandLine source: "), loaded.lines().limit(5).toList().toString());
        return loaded.contains("picocli.CommandLine source: shared objects file");
    }

    /**
     * Issue 17: the commands scripts run by the thousand start without generating an annotation proxy
     * (their models and the root's are built programmatically), inspect and verify load each of our classes
     * and picocli's from the class-sharing archive (the build trains it on them too, and no picocli
     * callback is a lambda, which would keep picocli's interfaces out of it), and the launcher gives
     * inspect of a file and verify of a SIGSTRUCT C1 alone but keeps C2 for measure, whose SHA-256 is
     * fast only in C2's code, for verify of an enclave or an image, which it re-measures, and for
     * sign-offline with a PEM key, whose RSA is fast only in C2's code (with a token it gets C1).
     */
    @Test
    void scriptsCommandsStartFromTheArchiveWithoutProxiesAndOnlyShortOnesDropC2() throws Exception {
        Tools.Result demo = Tools.run(null, LAUNCHER, "demo", "--dir", dir.resolve("demo").toString());
        assertEquals(0, demo.exitCode(), demo.stderr());
        String sigstruct = dir.resolve("demo/signatures/image-1.0.sgx1.sigstruct").toString();
        // The smallest canonical SGXS stream: ECREATE of one page, SSA frame size 1.
        java.nio.ByteBuffer ecreate = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put("ECREATE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(1).putLong(4096);
        Path sgxs = Files.write(dir.resolve("one-page.sgxs"), ecreate.array());

        // Each with the JDK 25 caches (when the build made them) and with JDK 17's archive (AOT off).
        List<String> shortOnes = List.of(classLoading("inspect", sigstruct), classLoading("verify", sigstruct),
                classLoadingWith(AOT_OFF, "inspect", sigstruct), classLoadingWith(AOT_OFF, "verify", sigstruct));
        String measure = classLoading("measure", sgxs.toString());
        String measure17 = classLoadingWith(AOT_OFF, "measure", sgxs.toString());
        java.util.regex.Pattern proxy = java.util.regex.Pattern.compile("\\$Proxy\\d+ ");
        for (String loaded : java.util.stream.Stream.concat(shortOnes.stream(), java.util.stream.Stream.of(measure, measure17))
                .toList()) {
            // A generated proxy class is named $ProxyN; JDK 25's cache also holds the JDK's own lambdas of
            // Proxy$ProxyBuilder, which every start loads whether or not a proxy is made.
            assertFalse(proxy.matcher(loaded).find(), "an annotation was read: " + loaded.lines()
                    .filter(l -> proxy.matcher(l).find()).toList());
            // Text output needs no JSON library: starting Jackson was a fifth of verify's time. (measure on
            // JDK 25 starts from the cache trained on the demo, which loads Jackson's classes with the cache,
            // linked, whether or not they are used: that is measure17's to show.)
            if (loaded != measure) {
                assertFalse(loaded.contains(" com.fasterxml.jackson.databind.ObjectMapper "), "Jackson started without --json");
            }
        }
        // picocli compiled for 17 (the picocli module) is in both; its Java 5 class files can be in no JDK 25 cache.
        for (String loaded : shortOnes) {
            List<String> fromTheJar = loaded.lines().filter(l -> l.matches("\\[[^]]*\\]\\S* (org\\.enclaveos|picocli)\\..*")
                    && !l.contains("source: shared objects file")).toList();
            assertEquals(List.of(), fromTheJar, "loaded from the jar, not the archive");
        }

        assertEquals("1", jitLevel("inspect", sigstruct));
        assertEquals("4", jitLevel("measure", sgxs.toString()));
        assertEquals("4", jitLevel("inspect", "docker://127.0.0.1:1/not/a/file"));
        // verify re-measures an ELF enclave and an image: those keep C2.
        assertEquals("1", jitLevel("verify", sigstruct, "--mrsigner", "ab".repeat(32), "--at", "2026-01-01"));
        Path elf = Files.write(dir.resolve("enclave.so"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        assertEquals("4", jitLevel("verify", elf.toString()));
        assertEquals("4", jitLevel("verify", "registry.example.com/team/app", "--mrsigner", "ab".repeat(32)));
        // sign-offline signs in this JVM only with a PEM key: that keeps C2 (RSA's Montgomery intrinsic).
        assertEquals("4", jitLevel("sign-offline", "requests", "--key", "k.pem", "--out", "o"));
        assertEquals("4", jitLevel("sign-offline", "requests", "--key=k.pem", "--out", "o"));
        // ...and C2 for RSA alone (aPemCeremonyGivesC2ToRsaIntrinsicsAndSha256Only); no other command has directives.
        String c2ForRsa = Vectors.projectRoot().resolve("cli/src/main/jit/c2-for-rsa.json").toString();
        assertEquals(c2ForRsa, flag("CompilerDirectivesFile", "sign-offline", "requests", "--key", "k.pem", "--out", "o"));
        assertEquals(c2ForRsa, flag("CompilerDirectivesFile", "sign-offline", "requests", "--key=k.pem", "--out", "o"));
        assertEquals("", flag("CompilerDirectivesFile", "sign-offline", "requests", "--pkcs11-config", "hsm.cfg",
                "--key-alias", "k", "--out", "o"));
        assertEquals("", flag("CompilerDirectivesFile", "measure", sgxs.toString()));
        assertEquals("", flag("CompilerDirectivesFile", "demo", "--dir", dir.resolve("no-demo").toString(), "--help"));
        assertEquals("1", jitLevel("sign-offline", "requests", "--pkcs11-config", "hsm.cfg", "--key-alias", "k", "--out", "o"));
        assertEquals("1", jitLevel("sign-offline", "requests", "--import-signatures", "sigs", "--public-key", "p.pem",
                "--out", "o"));
        assertEquals("1", jitLevel("sign-offline", "--verify-journal", "journal.jsonl"));
    }

    /**
     * The launcher rebuilds when a main source is newer than the jar, and not for a test source (tests are
     * not in the jar). A stand-in mvn on the PATH records that a build was asked for and fails it.
     */
    @Test
    void theJarIsRebuiltWhenAMainSourceIsNewerThanItOnly() throws Exception {
        Path root = Vectors.projectRoot();
        java.nio.file.attribute.FileTime jarTime = Files.getLastModifiedTime(root.resolve("cli/target/enclaveos-signer.jar"));
        java.nio.file.attribute.FileTime later = java.nio.file.attribute.FileTime.fromMillis(jarTime.toMillis() + 10_000);
        Path built = dir.resolve("built");
        Path mvn = Files.writeString(Files.createDirectories(dir.resolve("bin")).resolve("mvn"),
                "#!/bin/sh\ntouch '" + built + "'\nexit 1\n");
        assertTrue(mvn.toFile().setExecutable(true));
        String path = "PATH=" + mvn.getParent() + ":" + System.getenv("PATH");
        Path test = root.resolve("commands/src/test/java/org/enclaveos/signer/cli/CliTest.java");
        Path main = root.resolve("commands/src/main/java/org/enclaveos/signer/cli/Cli.java");
        for (Path source : List.of(test, main)) {
            java.nio.file.attribute.FileTime was = Files.getLastModifiedTime(source);
            try {
                Files.setLastModifiedTime(source, later);
                Tools.Result r = Tools.run(null, "env", path, LAUNCHER, "--version");
                if (source == test) {
                    assertEquals(0, r.exitCode(), r.stderr());
                    assertFalse(Files.exists(built), "a newer test source rebuilt the jar");
                } else {
                    assertEquals(70, r.exitCode(), r.stderr());
                    assertTrue(Files.exists(built), "a newer main source did not rebuild the jar");
                }
            } finally {
                Files.setLastModifiedTime(source, was);
            }
        }
    }

    /** ENCLAVEOS_SIGNER_JAVA_OPTS reaches the JVM as written, a '*' that names no file included. */
    @Test
    void javaOptionsReachTheJvmAsWritten() {
        Tools.Result r = launch("-XshowSettings:properties -Denclaveos.probe=no*such*file", "--version");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("enclaveos.probe = no*such*file"), r.stderr());
    }

    private String classLoading(String... args) throws java.io.IOException {
        return classLoadingWith("ENCLAVEOS_SIGNER_AOT=", args);
    }

    private String classLoadingWith(String variable, String... args) throws java.io.IOException {
        Path log = Files.createTempFile(dir, "classes", ".log");
        Tools.Result r = launchWith(variable, "-Xlog:class+load=info:file=" + log, args);
        assertEquals(0, r.exitCode(), r.stderr());
        return Files.readString(log);
    }

    /** The launcher run with {@code javaOptions} in ENCLAVEOS_SIGNER_JAVA_OPTS. */
    private static Tools.Result launch(String javaOptions, String... args) {
        return launchWith("ENCLAVEOS_SIGNER_AOT=", javaOptions, args);
    }

    /** The launcher run with one more variable ({@code NAME=value}) and {@code javaOptions}. */
    private static Tools.Result launchWith(String variable, String javaOptions, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("env", variable, "ENCLAVEOS_SIGNER_JAVA_OPTS=" + javaOptions,
                LAUNCHER));
        command.addAll(List.of(args));
        return Tools.run(null, command.toArray(String[]::new));
    }

    /** The TieredStopAtLevel the launcher runs a command with (the command itself may fail). */
    private String jitLevel(String... args) {
        return flag("TieredStopAtLevel", args);
    }

    /** A JVM flag's value as the launcher sets it for a command ("" for an empty string). */
    private String flag(String name, String... args) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s" + name + "\\s+= ?(\\S*)")
                .matcher(launch(VM_FLAGS, args).out());
        assertTrue(m.find(), "no " + name + " in the flags");
        return m.group(1);
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

    /** Issue 13, item 5: the one-shot form keeps its journal (by default in the current directory) and says where. */
    @Test
    void theOneShotFormKeepsItsJournalInTheCurrentDirectory() throws Exception {
        Tools.Result demo = Tools.run(null, LAUNCHER, "demo", "--dir", dir.resolve("demo").toString());
        assertEquals(0, demo.exitCode(), demo.stderr());
        Path work = Files.createDirectories(dir.resolve("work"));
        Tools.Result r = Tools.run(null, "sh", "-c", "cd \"$1\" && \"$2\" --container \"$3\" \"$4\" -key \"$5\" "
                + "--memory-model all", "sh", work.toString(), LAUNCHER, "oci:" + dir.resolve("demo/image") + ":1.0",
                "oci:" + dir.resolve("out") + ":1", dir.resolve("demo/debug-key.pem").toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.out().contains("journal enclaveos-signer-journal.jsonl (last line sha256 "), r.out());
        Path journal = work.resolve("enclaveos-signer-journal.jsonl");
        Tools.Result check = Tools.run(null, LAUNCHER, "sign-offline", "--verify-journal", journal.toString());
        assertEquals(0, check.exitCode(), check.stderr());
        assertTrue(check.out().contains("hash chain intact"), check.out());
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
        // The air-gapped jar alone signs: a request from the launcher's prepare, signed and verified by the jar.
        Tools.Result prepare = Tools.run(null, LAUNCHER, "prepare", "--mrenclave", "ab".repeat(32), "--isvprodid", "1",
                "--isvsvn", "2", "--production", "--name", "app", "--date", "2026-11-29", "--out", dir.resolve("req").toString());
        assertEquals(0, prepare.exitCode(), prepare.stderr());
        Tools.Result sign = Tools.run(null, "java", "-jar", jar.toString(), dir.resolve("req").toString(), "--key",
                key.toString(), "--out", dir.resolve("signed").toString(), "--yes", "--production");
        assertEquals(0, sign.exitCode(), sign.stderr());
        assertTrue(sign.out().contains("1 signed, 0 already signed"), sign.out());
        Tools.Result verify = Tools.run(null, "java", "-jar", jar.toString(), "verify",
                dir.resolve("signed/app.sigstruct").toString());
        assertEquals(0, verify.exitCode(), verify.stderr() + verify.out());
        Tools.Result journalOk = Tools.run(null, "java", "-jar", jar.toString(), "--verify-journal",
                dir.resolve("signed/journal.jsonl").toString());
        assertEquals(0, journalOk.exitCode(), journalOk.stderr());
        // Nothing in the air-gapped jar can open a registry connection or read a tar layer.
        String listing;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            listing = String.join("\n", zip.stream().map(java.util.zip.ZipEntry::getName).toList());
        }
        for (String banned : new String[] {"com/google/cloud/tools/jib", "org/apache/commons/compress", "org/apache/http",
            "org/enclaveos/signer/prepare", "org/enclaveos/signer/attach", "org/enclaveos/signer/image/"}) {
            assertTrue(!listing.contains(banned), banned + " must not be in sign-offline.jar");
        }
    }

    /**
     * A PEM ceremony's C2 compiles the five small BigInteger methods that carry its multiply intrinsics
     * (Montgomery multiply and square among them), the loops of long division, and SHA-256's one-block
     * method (which carries the SHA instructions' intrinsic), and nothing else (the launcher's compiler
     * directives, cli/src/main/jit/c2-for-rsa.json): not {@code oddModPow}, whose C2 compile took a fifth
     * of a second while every signature waited for the intrinsic, not the Java bodies the intrinsics
     * replace (montReduce, implSquareToLen...: compiled, some several times, for the first signatures
     * only), and not SHA-256's Java rounds. On JDK 25 from the ceremony's cache and on the PATH's java;
     * and its stdout is the command's own (the JVM's "2 compiler directives added" is silenced), so
     * --json stays JSON.
     */
    @Test
    void aPemCeremonyGivesC2ToRsaIntrinsicsAndSha256Only() throws Exception {
        Path requests = dir.resolve("requests");
        Tools.ok("java", "-cp", TARGET.resolve("enclaveos-signer.jar").toString(), AotTraining.class.getName(), "requests",
                "300", requests.toString());
        Path key = dir.resolve("key.pem");
        Tools.ok(LAUNCHER, "keygen", "--out", key.toString());
        // timestamp, compile id, flags (%, s, !, b, n), tier, then the method as Class::name and its size. Not
        // anchored at a line's start: the JVM's threads print without a common lock, and an "### Excluding
        // compile: ..." message can run into the start of a compile line (1 run in 9 here).
        java.util.regex.Pattern tier4 = java.util.regex.Pattern.compile("\\d+\\s+\\d+\\s+[%sb!n ]*4\\s+([\\w.$]+::[\\w$<>]+) \\(");
        java.util.regex.Pattern allowed = java.util.regex.Pattern.compile("java\\.math\\.BigInteger::(montgomeryMultiply|montgomerySquare"
                + "|multiplyToLen|squareToLen|mulAdd)|java\\.math\\.MutableBigInteger::(divideMagnitude|mulsub\\w*)"
                + "|sun\\.security\\.provider\\.SHA2::implCompress");
        for (String aot : List.of("ENCLAVEOS_SIGNER_AOT=", AOT_OFF)) {
            Tools.Result r = launchWith(aot, VM_OUTPUT + " -XX:+PrintCompilation",
                    "sign-offline", requests.toString(), "--key", key.toString(), "--out", Files.createTempDirectory(dir, "out")
                            .resolve("signed").toString(), "--yes");
            assertEquals(0, r.exitCode(), r.stderr());
            List<String> c2 = tier4.matcher(r.out()).results().map(m -> m.group(1)).distinct().toList();
            assertTrue(c2.contains("java.math.BigInteger::montgomerySquare") && c2.contains("java.math.BigInteger::montgomeryMultiply"),
                    aot + ": C2 compiled no Montgomery multiply: " + c2);
            assertEquals(List.of(), c2.stream().filter(c -> !allowed.matcher(c).matches()).toList(),
                    aot + ": C2 compiled more than RSA's intrinsics, division and SHA-256");
        }
        Tools.Result json = Tools.run(null, LAUNCHER, "sign-offline", requests.resolve("enclave7.sgx1.request.json").toString(),
                "--key", key.toString(), "--out", dir.resolve("one").toString(), "--yes", "--json");
        assertEquals(0, json.exitCode(), json.stderr());
        assertEquals(1, new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).path("signed").asInt(),
                json.out());
        assertTrue(json.out().startsWith("{"), json.out());
    }

    /**
     * A ceremony reads its requests into records through Jackson, which makes each by reflection. The
     * launcher keeps reflection on the JVM's own accessors for sign-offline, so that it generates no
     * method-handle classes at run time, which the cache cannot hold (issue 17): 53 of them in a
     * 500-request ceremony on JDK 25 otherwise, 3 with the launcher's setting.
     */
    @Test
    void aCeremonyOnJdk25GeneratesFewClassesAtRunTime() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(TARGET.resolve("enclaveos-signer.aot.jdk")),
                "no JDK 25 cache (eachKindOfCommandRunsOnJdk25WithItsOwnCacheOnlyWhenItMatches says whether that is right)");
        Path requests = dir.resolve("requests");
        Tools.ok("java", "-cp", TARGET.resolve("enclaveos-signer.jar").toString(), AotTraining.class.getName(), "requests",
                "100", requests.toString());
        Path key = dir.resolve("key.pem");
        Tools.ok(LAUNCHER, "keygen", "--out", key.toString());
        Tools.Result r = launchWith("ENCLAVEOS_SIGNER_AOT=", "-Xlog:class+load=info:stdout", "sign-offline", requests.toString(),
                "--key", key.toString(), "--out", dir.resolve("signed").toString(), "--yes");
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> generated = r.out().lines().filter(l -> l.contains("LambdaForm$") && l.contains("__JVM_LookupDefineClass__"))
                .toList();
        assertTrue(generated.size() <= 10, generated.size() + " method-handle classes generated at run time: " + generated);
    }

    /**
     * A key made in a SoftHSM2 token and a ceremony signed with it, through the launcher: where a JDK 25
     * is installed this is SunPKCS11 on that JDK, from the ceremony's cache, with C1 alone; the unit tests
     * run the token on the build's JDK. The JVM has nothing to warn about.
     */
    @Test
    void aTokenKeyAndCeremonyThroughTheLauncher() throws Exception {
        SoftHsmToken token = SoftHsmToken.init(dir, "Launcher");
        String env = token.env();
        String pin = "PIN=" + SoftHsmToken.PIN;
        Path cfg = token.config();
        Path pub = dir.resolve("token.pub.pem");
        Tools.Result prepare = Tools.run(null, LAUNCHER, "prepare", "--mrenclave", "cd".repeat(32), "--isvprodid", "3",
                "--isvsvn", "4", "--production", "--name", "app", "--date", "2026-11-30", "--out", dir.resolve("req").toString());
        Tools.Result made = Tools.run(null, "env", env, pin, LAUNCHER, "keygen", "--pkcs11-config", cfg.toString(),
                "--key-alias", "sgx", "--pin-env", "PIN", "--public-out", pub.toString());
        Tools.Result signed = Tools.run(null, "env", env, pin, LAUNCHER, "sign-offline", dir.resolve("req").toString(),
                "--pkcs11-config", cfg.toString(), "--key-alias", "sgx", "--pin-env", "PIN", "--production", "--out",
                dir.resolve("signed").toString(), "--yes");
        Tools.Result verify = Tools.run(null, LAUNCHER, "verify", dir.resolve("signed/app.sigstruct").toString(),
                "--public-key", pub.toString());
        for (Tools.Result r : List.of(prepare, made, signed, verify)) {
            assertEquals(0, r.exitCode(), r.stderr() + r.out());
            assertFalse(r.stderr().contains("[warning]") || r.stderr().contains("WARNING:"), r.stderr());
        }
        assertTrue(signed.out().contains("1 signed, 0 already signed"), signed.out());
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

    /**
     * A layout manifest whose content (256 MiB) sits in an image layer: measured with a 48 MiB heap,
     * so the content cannot be held in memory, and equal to measuring the same files from a directory.
     */
    @Test
    void anImageLayoutsContentIsMeasuredInConstantMemory() throws Exception {
        Tools.require("umoci");
        Tools.Result demo = Tools.run(null, LAUNCHER, "demo", "--dir", dir.resolve("demo").toString());
        assertEquals(0, demo.exitCode(), demo.stderr());
        Path big = Files.createDirectories(dir.resolve("big"));
        byte[] block = new byte[1 << 20];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31 + (i >> 12));
        }
        try (var out = Files.newOutputStream(big.resolve("code.bin"))) {
            for (int i = 0; i < 256; i++) {
                block[0] = (byte) i;
                out.write(block);
            }
        }
        Files.writeString(big.resolve("layout.json"), "{\"schema\": \"enclaveos-signer/layout/v1\", "
                + "\"enclave\": {\"size\": \"0x10000000\", \"ssaFrameSize\": 1}, \"ranges\": [{\"name\": \"code\", "
                + "\"offset\": 0, \"pages\": 65536, \"flags\": \"0x205\", "
                + "\"content\": {\"file\": \"code.bin\", \"offset\": 0, \"length\": 268435456}}]}");
        String image = dir.resolve("demo/image").toString();
        Tools.ok("umoci", "insert", "--image", image + ":1.0", "--tag", "big", big.toString(), "/big");
        Tools.ok("umoci", "config", "--image", image + ":big", "--tag", "big",
                "--config.label", "org.enclaveos.layout.sgx1=/big/layout.json");

        Tools.Result inImage = launch("-Xmx48m", "measure", "oci:" + image + ":big", "--memory-model", "sgx1");
        assertEquals(0, inImage.exitCode(), inImage.stderr());
        Tools.Result fromDirectory = Tools.run(null, LAUNCHER, "measure", big.resolve("layout.json").toString(),
                "--memory-model", "sgx1");
        assertEquals(0, fromDirectory.exitCode(), fromDirectory.stderr());
        assertEquals(fromDirectory.out().substring(0, 64), inImage.out().substring(0, 64));
    }
}
