package org.enclaveos.signer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What this build is: the version Maven stamped (written into requests and responses), the commit it
 * was built from and that commit's date (the build date of a reproducible build: the same commit gives
 * the same jar), and the SHA-256 of the jar actually running, so a journal or a review names the exact
 * bytes that signed.
 */
public final class ToolVersion {
    private static final Properties STAMP = load();
    /**
     * The jar's hash, computed once: by the first caller of {@link #jarSha256}, or in the background.
     * A class, not a method reference: bootstrapping the first method reference costs a JVM that has
     * just started 10 ms, which {@code --version} would wait for (issue 17).
     */
    private static final FutureTask<String> JAR_SHA256 = new FutureTask<>(new JarHash());
    private static final AtomicBoolean PREFETCHED = new AtomicBoolean();

    private static final class JarHash implements java.util.concurrent.Callable<String> {
        @Override
        public String call() {
            return computeJarSha256();
        }
    }

    private ToolVersion() {
    }

    /** The project version, e.g. 0.1.0-SNAPSHOT: what request and response files record. */
    public static String version() {
        return value("version");
    }

    /** The abbreviated commit, with "-dirty" when the work tree had changes; "unknown" outside git. */
    public static String commit() {
        String c = value("commit");
        return "true".equals(STAMP.getProperty("dirty")) ? c + "-dirty" : c;
    }

    /** The commit's date (UTC, ISO 8601), which is this reproducible build's date. */
    public static String buildDate() {
        return value("commitDate");
    }

    /** SHA-256 of the jar this class was loaded from; "not a jar" when run from class directories. */
    public static String jarSha256() {
        JAR_SHA256.run(); // computes it here, unless it is done or being done on the background thread
        try {
            return JAR_SHA256.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return computeJarSha256();
        } catch (ExecutionException e) {
            return computeJarSha256(); // an Error in the background thread: compute it here, where it will be seen
        }
    }

    /**
     * Starts hashing the jar on a background thread, for a caller that will print {@link #describe}
     * after other work: hashing the 14 MB jar in a JVM that has just started takes 0.1-0.2 s, which
     * was on the critical path of every ceremony's review (issue 17).
     */
    public static void prefetchJarSha256() {
        if (PREFETCHED.compareAndSet(false, true)) {
            Thread t = new Thread(JAR_SHA256, "jar-sha256");
            t.setDaemon(true);
            t.start();
        }
    }

    /** One line for --version, journals and review headers. */
    public static String describe() {
        return version() + " (commit " + commit() + ", built " + buildDate() + ", jar sha256 " + jarSha256() + ")";
    }

    private static String computeJarSha256() {
        try {
            java.security.CodeSource source = ToolVersion.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return "unknown";
            }
            Path location = Path.of(source.getLocation().toURI());
            if (!Files.isRegularFile(location)) {
                return "not a jar";
            }
            return org.enclaveos.signer.sgx.Hash256.ofFile(location).hex();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String value(String key) {
        String v = STAMP.getProperty(key, "unknown");
        // Built without git (a source tarball), Maven leaves the placeholder as it is.
        return v.isBlank() || v.startsWith("${") ? "unknown" : v;
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = ToolVersion.class.getResourceAsStream("/org/enclaveos/signer/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // "unknown" everywhere: a missing resource must not stop the tool.
        }
        return p;
    }
}
