package org.enclaveos.signer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.policy.Policy;
import org.enclaveos.signer.policy.PolicyCheck;
import org.enclaveos.signer.policy.PolicyFiles;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code --policy FILE} and {@code --at DATE} for verify (a programmatic mixin), and how a verdict is reported. */
public final class PolicyOptions {
    private final OptionSpec policy = CommandModel.option(Path.class, "FILE", "Also check this deployment policy "
            + "(docs/policy.md): every rule is reported; exit 7 if one fails (in mode warn: a warning, exit 0).", "--policy")
            .build();

    private final OptionSpec at = CommandModel.option(String.class, "YYYY-MM-DD", "With --policy: judge the signers' "
            + "windows at this date (default: each SIGSTRUCT's DATE).", "--at").build();

    private final CommandSpec mixin = CommandSpec.create().addOption(policy).addOption(at);

    /** The options, for a command to mix in. */
    public CommandSpec mixin() {
        return mixin;
    }

    /** --policy, or null. */
    public Path policy() {
        return policy.getValue();
    }

    /** The policy, read with {@code yaml} if the caller has a YAML reader; null without --policy. */
    public Policy load(PolicyFiles.YamlReader yaml) {
        if (at.getValue() != null && policy() == null) {
            throw new SignerException(ErrorKind.USAGE, "--at goes with --policy");
        }
        return policy() == null ? null : PolicyFiles.load(policy(), yaml);
    }

    public LocalDate atDate() {
        String date = at.getValue();
        if (date == null) {
            return null;
        }
        try {
            return LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            throw new SignerException(ErrorKind.USAGE, "--at '" + date + "': expected YYYY-MM-DD");
        }
    }

    /**
     * Prints the verdict (its table, unless JSON carries it) and returns the exit code it stands for:
     * 0 when every rule passed or the policy only warns, else the policy refusal's code, with one line.
     */
    public static int report(PolicyCheck.Verdict v, Path policy, boolean json, PrintWriter out, PrintWriter err) {
        if (!json) {
            out.println();
            out.println("policy " + policy + " (" + v.mode().name().toLowerCase(java.util.Locale.ROOT) + ") for "
                    + v.subject() + ":");
            v.printTable(out);
            out.flush();
        }
        if (v.passed()) {
            return 0;
        }
        PolicyCheck.Finding first = v.failures().get(0);
        String line = policy + ": " + v.failures().size() + " rule(s) failed for " + v.subject() + "; first: " + first.where()
                + " " + first.rule() + ": expected " + first.expected() + ", found " + first.found();
        if (v.mode() == Policy.Mode.WARN) {
            err.println(Cli.NAME + ": warning: " + line + " (mode warn)");
            err.flush();
            return 0;
        }
        err.println(Cli.NAME + ": " + line);
        err.flush();
        return ErrorKind.POLICY.exitCode();
    }
}
