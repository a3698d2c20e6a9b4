package org.enclaveos.signer.cli;

import org.enclaveos.signer.ToolVersion;

import picocli.CommandLine;

/** {@code --version}: the version, the commit and its date, the running jar's SHA-256, and the Java that runs it. */
public final class VersionProvider implements CommandLine.IVersionProvider {

    /** The version request and response files record. */
    public static String version() {
        return ToolVersion.version();
    }

    @Override
    public String[] getVersion() {
        return new String[] {Cli.NAME + " " + ToolVersion.version(), "commit " + ToolVersion.commit() + ", built "
                + ToolVersion.buildDate(), "jar sha256 " + ToolVersion.jarSha256(), "Java " + System.getProperty("java.version")};
    }
}
