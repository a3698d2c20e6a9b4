package org.enclaveos.signer.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A real, tiny tmpfs for "the disk is full" tests. Mounting needs root or password-less sudo; where
 * the machine allows neither (or a container lacks CAP_SYS_ADMIN), the test skips with a message on
 * the console: mounting is a privilege of the machine, not a tool the test script can install. Under
 * ENCLAVEOS_REQUIRE_TOOLS=1 (the test script, CI) it fails instead: no check goes unproven silently.
 */
public final class SmallDisk implements AutoCloseable {
    public final Path root;

    private SmallDisk(Path root) {
        this.root = root;
    }

    /** Mounts a tmpfs of {@code size} (e.g. "48k") on a new directory {@code dir}. */
    public static SmallDisk mount(Path dir, String size) throws IOException {
        Path mnt = Files.createDirectories(dir);
        Tools.Result r = asRoot("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=1777", "tmpfs", mnt.toString());
        String why = "cannot mount a tmpfs (" + r.stderr().strip() + "): the full-disk test needs root or password-less sudo";
        if (r.exitCode() != 0 && "1".equals(System.getenv("ENCLAVEOS_REQUIRE_TOOLS"))) {
            // CI installed everything and runs as root: a full-disk test that cannot run is a failure, not a skip.
            throw new AssertionError(why + "; ENCLAVEOS_REQUIRE_TOOLS=1 makes it mandatory");
        }
        if (r.exitCode() != 0) {
            System.out.println("SKIPPED: " + why);
        }
        assumeTrue(r.exitCode() == 0, "SKIPPED: " + why);
        return new SmallDisk(mnt);
    }

    /** Gives the file system {@code size} in all (it keeps its files). */
    public void resize(String size) {
        Tools.Result r = asRoot("mount", "-o", "remount,size=" + size, root.toString());
        if (r.exitCode() != 0) {
            throw new AssertionError("remount failed: " + r.stderr());
        }
    }

    @Override
    public void close() {
        asRoot("umount", root.toString());
    }

    private static Tools.Result asRoot(String... command) {
        boolean root = new String(Tools.run(null, "id", "-u").stdout(), StandardCharsets.US_ASCII).strip().equals("0");
        if (root) {
            return Tools.run(null, command);
        }
        boolean hasSudo = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "sudo")));
        if (!hasSudo) {
            return new Tools.Result(1, new byte[0], "not root, and no sudo");
        }
        String[] sudo = new String[command.length + 2];
        sudo[0] = "sudo";
        sudo[1] = "-n";
        System.arraycopy(command, 0, sudo, 2, command.length);
        return Tools.run(null, sudo);
    }
}
