package org.enclaveos.signer.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The third-party vectors in {@code ../shared/vectors/} beside the checkout. They are never copied
 * into the repository. CI sets ENCLAVEOS_REQUIRE_VECTORS=1 so a missing folder fails the build; on a
 * user's clone without them the tests that need them are skipped with a message.
 */
public final class Vectors {
    private Vectors() {
    }

    public static Path projectRoot() {
        String prop = System.getProperty("enclaveos.projectRoot");
        if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("enclaveos-signer"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the project root from " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    public static boolean required() {
        return "1".equals(System.getenv("ENCLAVEOS_REQUIRE_VECTORS"));
    }

    /** The vectors directory, or the test is skipped (failed in CI) when it is absent. */
    public static Path dir() {
        Path dir = projectRoot().resolveSibling("shared").resolve("vectors");
        if (!Files.isDirectory(dir)) {
            String message = "third-party vectors not found at " + dir + " (./scripts/fetch-vectors downloads them there)";
            if (required()) {
                fail(message + "; ENCLAVEOS_REQUIRE_VECTORS=1 makes them mandatory");
            }
            System.out.println("SKIPPED: " + message); // on the console, not only in surefire's XML
            assumeTrue(false, message + "; skipping");
        }
        return dir;
    }

    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.isRegularFile(p)) {
            fail("vector file missing: " + p);
        }
        return p;
    }
}
