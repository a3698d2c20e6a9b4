package org.enclaveos.signer.cli;

import java.io.StringWriter;


import picocli.CommandLine;

/** Runs a command in-process the way main() would, capturing stdout, stderr and the exit code. */
public record CliRun(int exitCode, String out, String err) {

    public static CliRun run(Object command, String... args) {
        CommandLine cl = Cli.commandLine(command, args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Cli.setStreams(cl, out, err);
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The stderr lines, for asserting "exactly one line". */
    public String[] errLines() {
        String e = err.strip();
        return e.isEmpty() ? new String[0] : e.split("\n");
    }

    /** The last stderr line: the error, when a review or progress came before it. */
    public String lastErrLine() {
        String[] lines = errLines();
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
