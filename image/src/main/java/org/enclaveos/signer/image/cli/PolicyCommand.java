package org.enclaveos.signer.image.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.enclaveos.signer.cli.VersionProvider;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.policy.Policy;
import org.enclaveos.signer.policy.PolicyExport;
import org.enclaveos.signer.policy.PolicyFiles;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code policy check} and {@code policy export}: one deployment policy file, checked and turned into other forms. */
@Command(name = "policy", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Check a deployment policy file, or export it for attestation verifiers.", "",
            "A policy (docs/policy.md, YAML or JSON) states which enclaves may run where: ISVPRODID, a minimum "
                + "ISVSVN, the signers with their windows, debug, memory models, attributes, MRENCLAVE. verify, "
                + "prepare and sign-offline take it with --policy."},
        subcommands = {PolicyCommand.Check.class, PolicyCommand.Export.class},
        footer = {"", "Examples:", "  enclaveos-signer policy check deploy.yaml --json > deploy.json",
            "  enclaveos-signer policy export deploy.yaml --format ra-tls-env"})
public final class PolicyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return org.enclaveos.signer.ErrorKind.USAGE.exitCode();
    }

    static Policy load(Path file) {
        return PolicyFiles.load(file, PolicyYaml::read);
    }

    @Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Read a policy and say whether it is valid; --json prints it as canonical JSON (what the "
                + "air-gapped sign-offline.jar reads: it has no YAML parser)."},
            footer = {"", "Example:", "  enclaveos-signer policy check deploy.yaml"})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The policy (YAML or JSON).")
        Path file;

        @Option(names = "--json", description = "Print the policy as canonical JSON on stdout.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Policy p = load(file);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.print(SigstructJson.print(PolicyExport.json(p)));
            } else {
                long rules = p.scopes().stream().mapToLong(s -> s.enclaves().size()).sum();
                out.println("OK " + file + ": policy version " + p.version() + ", mode "
                        + p.mode().name().toLowerCase(java.util.Locale.ROOT) + ", " + p.scopes().size() + " scope(s), "
                        + rules + " enclave rule(s)");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Write the policy's facts as an Intel appraisal policy for application enclaves "
                + "(intel-appraisal, JSON) or as Gramine RA-TLS environment lines (ra-tls-env)."},
            footer = {"", "Example:", "  enclaveos-signer policy export deploy.yaml --format intel-appraisal > appraisal.json"})
    static final class Export implements Callable<Integer> {
        enum Format { INTEL_APPRAISAL, RA_TLS_ENV }

        @Parameters(paramLabel = "FILE", description = "The policy (YAML or JSON).")
        Path file;

        @Option(names = "--format", required = true, paramLabel = "FORMAT",
                description = "intel-appraisal or ra-tls-env.", converter = FormatConverter.class)
        Format format;

        static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
            @Override
            public Format convert(String value) {
                return switch (value) {
                    case "intel-appraisal" -> Format.INTEL_APPRAISAL;
                    case "ra-tls-env" -> Format.RA_TLS_ENV;
                    default -> throw new picocli.CommandLine.TypeConversionException("expected intel-appraisal or "
                            + "ra-tls-env, got '" + value + "'");
                };
            }
        }

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Policy p = load(file);
            PrintWriter out = spec.commandLine().getOut();
            out.print(format == Format.INTEL_APPRAISAL ? SigstructJson.print(PolicyExport.intelAppraisal(p))
                    : PolicyExport.raTlsEnv(p));
            out.flush();
            return 0;
        }
    }
}
