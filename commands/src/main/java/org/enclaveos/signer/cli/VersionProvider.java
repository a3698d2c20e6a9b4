package org.enclaveos.signer.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import picocli.CommandLine;

/** The version Maven stamped into the jar; the same string request and response files record. */
public final class VersionProvider implements CommandLine.IVersionProvider {

    public static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/org/enclaveos/signer/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Fall through to "unknown": a missing resource must not stop the tool.
        }
        return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {Cli.NAME + " " + version(), "Java " + System.getProperty("java.version")};
    }
}
