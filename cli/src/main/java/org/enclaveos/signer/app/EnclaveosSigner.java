package org.enclaveos.signer.app;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.enclaveos.signer.attach.Attach;
import org.enclaveos.signer.attach.EvidenceOptions;
import org.enclaveos.signer.attach.ImageAttach;
import org.enclaveos.signer.attach.SignedRequest;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CommandModel;
import org.enclaveos.signer.cli.GlobalOptions;
import org.enclaveos.signer.cli.Numbers;
import org.enclaveos.signer.prepare.EnclaveSource;
import org.enclaveos.signer.prepare.Prepare;
import org.enclaveos.signer.prepare.PrepareSpec;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.signoffline.KeyCeremony;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code enclaveos-signer} command: every step's subcommands in one jar, and the original tool's
 * one-command form ({@code --container SRC DST ... -key KEY}), which runs prepare, sign-offline and
 * attach in one process. Every command runs under this one, so its model is built programmatically
 * ({@link Cli.Programmatic}).
 */
public final class EnclaveosSigner implements Callable<Integer>, Cli.Suite, Cli.Programmatic {
    private static final String COMPLETION = "generate-completion";
    static final String DEFAULT_JOURNAL = "enclaveos-signer-journal.jsonl";

    @Override
    public Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("demo", DemoCommand::new);
        all.put("prepare", org.enclaveos.signer.prepare.PrepareCommand::new);
        all.put("sign-offline", org.enclaveos.signer.signoffline.SignOfflineCommand::new);
        all.put("attach", org.enclaveos.signer.attach.AttachCommand::new);
        all.put("measure", org.enclaveos.signer.image.cli.ImageMeasureCommand::new);
        all.put("inspect", org.enclaveos.signer.image.cli.ImageInspectCommand::new);
        all.put("verify", org.enclaveos.signer.image.cli.ImageVerifyCommand::new);
        all.put("keygen", org.enclaveos.signer.signoffline.TokenKeygenCommand::new);
        all.put("policy", org.enclaveos.signer.image.cli.PolicyCommand::new);
        // A lambda, not a method reference: JDK 25's AOT cache cannot archive a linked call site that
        // names a constructor of picocli's Java 5 class files directly (the training run crashes).
        all.put(COMPLETION, () -> new AutoComplete.GenerateCompletion());
        return all;
    }

    @Override
    public Set<String> needAll() {
        return Set.of(COMPLETION);
    }

    private final OptionSpec container = CommandModel.option(List.class, "IMAGE", "One shot: re-sign SRC and push it as DST.",
            "--container", "--docker-container").arity("2").auxiliaryTypes(String.class).build();

    private final OptionSpec isvSvn = CommandModel.option(Integer.class, "N", "One shot: ISVSVN (default: the converter's).",
            "--isvsvn").converters(new Numbers.U16()).build();

    private final OptionSpec isvProdId = CommandModel.option(Integer.class, "N", "One shot: ISVPRODID (default: the "
            + "converter's).", "--isvprodid").converters(new Numbers.U16()).build();

    private final OptionSpec production = CommandModel.flag("One shot: a production signature (default: debug).", "--production");

    private final OptionSpec key = CommandModel.option(Path.class, "KEY", "One shot: the PEM signing key.", "-key", "--key").build();

    private final OptionSpec memoryModel = CommandModel.option(String.class, "MODEL", "One shot: sgx1, sgx2 or all (default sgx1).",
            "--memory-model").build();

    private final OptionSpec passphraseFile = CommandModel.option(Path.class, "FILE", "One shot: the key's passphrase file.",
            "--passphrase-file").build();

    private final OptionSpec passphraseEnv = CommandModel.option(String.class, "VAR", "One shot: the variable holding the "
            + "passphrase.", "--passphrase-env").build();

    private final OptionSpec noEvidence = CommandModel.flag("One shot: do not push the signing evidence next to the signed "
            + "image (it is pushed by default, as attach does).", "--no-evidence");

    private final OptionSpec journal = CommandModel.option(Path.class, "FILE", "One shot: the ceremony journal (default: "
            + DEFAULT_JOURNAL + " in the current directory; appended to, its hash chain continued).", "--journal").build();

    private final org.enclaveos.signer.image.cli.RegistryOptions images = new org.enclaveos.signer.image.cli.RegistryOptions();

    private final CommandSpec spec = CommandModel.command(this, Cli.NAME,
            new String[] {"Re-sign Intel SGX enclaves in converted container images with a key that never touches a "
                + "networked machine.", "",
                "The original one-command form still works: --container SRC DST [--isvsvn N] [--isvprodid N] [--production] "
                    + "-key KEY [--memory-model sgx1|sgx2|all] runs prepare, sign-offline and attach in one process, "
                    + "without a Docker daemon. For keys that must stay offline, run the three steps on their own hosts."})
            .addMixin("global", GlobalOptions.mixin()).addOption(container).addOption(isvSvn).addOption(isvProdId)
            .addOption(production).addOption(key).addOption(memoryModel).addOption(passphraseFile).addOption(passphraseEnv)
            .addOption(noEvidence).addOption(journal).addMixin("images", images.mixin());

    @Override
    public CommandSpec spec() {
        return spec;
    }

    public static void main(String[] args) {
        // No method reference here: its first use costs a JVM that has just started 10 ms.
        System.exit(Cli.isVersion(args) ? Cli.printVersion(System.out) : Cli.run(new EnclaveosSigner(), args));
    }

    @Override
    public Integer call() throws IOException {
        List<String> container = this.container.getValue();
        if (container == null) {
            // No subcommand: show what there is, as git does, and say it was not a run (a script must notice).
            spec.commandLine().usage(spec.commandLine().getErr());
            return org.enclaveos.signer.ErrorKind.USAGE.exitCode();
        }
        Path key = this.key.getValue();
        if (key == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--container needs -key KEY");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // Kept: the record of what the production key signed outlives this run's scratch directory.
        Path journal = this.journal.getValue();
        Path journalFile = journal != null ? journal : Path.of(DEFAULT_JOURNAL);
        String memoryModel = this.memoryModel.getValue();
        boolean production = this.production.getValue();
        Path work = Files.createTempDirectory("enclaveos-oneshot-");
        try {
            PrepareSpec prepareSpec = PrepareSpec.builder().source(new EnclaveSource.Image(container.get(0)))
                    .target(container.get(1))
                    .models(memoryModel == null ? Set.of() : MemoryModel.parseOption("--memory-model", memoryModel))
                    .isvSvn(isvSvn.getValue()).isvProdId(isvProdId.getValue()).production(production)
                    .defaultDate(org.enclaveos.signer.prepare.PrepareCommand.defaultDate())
                    .platform(images.platform()).registry(images.client()).build();
            Prepare.Prepared prepared = Prepare.requests(prepareSpec, w -> err.println("warning: " + w));
            Path requests = work.resolve("requests");
            Prepare.write(requests, prepared.requests(), false);
            out.println("prepared " + prepared.requests().size() + " request(s) for " + container.get(0));
            out.flush();

            KeyCeremony.Outcome signed = KeyCeremony.run(new KeyCeremony.Settings(List.of(requests),
                    work.resolve("signatures"), journalFile, production, Set.of(), null, false),
                    KeyCeremony.pem(key, passphraseFile.getValue(), passphraseEnv.getValue(), err), err, KeyCeremony.AUTOMATIC);
            out.println("signed " + signed.signed() + " with MRSIGNER " + signed.mrsigner() + "; journal " + journalFile
                    + " (last line sha256 " + signed.journalLastLineSha256() + ")");
            out.flush();

            List<Attach.Group> groups = Attach.groups(RequestSet.load(List.of(requests)));
            SignedRequest.Trust trust = new SignedRequest.Trust(Optional.of(signed.mrsigner()), false, err::println);
            ImageAttach.Result pushed = Attach.image(groups.get(0), work.resolve("signatures"), trust, null,
                    images.client(), new EvidenceOptions(noEvidence.<Boolean>getValue() ? EvidenceOptions.Publish.NEVER
                            : EvidenceOptions.Publish.REGISTRY_TARGETS, Optional.of(journalFile)));
            out.println("pushed " + pushed.target() + "@" + pushed.manifestDigest());
            pushed.evidence().ifPresent(e -> out.println("evidence " + e.digest()));
            out.flush();
            return 0;
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
