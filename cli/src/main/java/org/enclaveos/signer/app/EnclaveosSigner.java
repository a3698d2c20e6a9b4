package org.enclaveos.signer.app;

import java.io.IOException;
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

import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.GlobalOptions;
import org.enclaveos.signer.cli.Numbers;
import org.enclaveos.signer.cli.VersionProvider;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code enclaveos-signer} command: every step's subcommands in one jar, and the original tool's
 * one-command form ({@code --container SRC DST ... -key KEY}), which runs prepare, sign-offline and
 * attach in one process.
 */
@Command(name = Cli.NAME, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"Re-sign Intel SGX enclaves in converted container images with a key that never touches "
            + "a networked machine.", "",
            "The original one-command form still works: --container SRC DST [--isvsvn N] [--isvprodid N] [--production] "
                + "-key KEY [--memory-model sgx1|sgx2|all] runs prepare, sign-offline and attach in one process, "
                + "without a Docker daemon. For keys that must stay offline, run the three steps on their own hosts."})
public final class EnclaveosSigner implements Callable<Integer>, Cli.Suite {
    private static final String COMPLETION = "generate-completion";

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
        all.put("keygen", org.enclaveos.signer.cli.KeygenCommand::new);
        all.put(COMPLETION, AutoComplete.GenerateCompletion::new);
        return all;
    }

    @Override
    public Set<String> needAll() {
        return Set.of(COMPLETION);
    }

    @Mixin
    GlobalOptions global;

    @Option(names = {"--container", "--docker-container"}, arity = "2", paramLabel = "IMAGE",
            description = "One shot: re-sign SRC and push it as DST.")
    List<String> container;

    @Option(names = "--isvsvn", paramLabel = "N", converter = Numbers.U16.class,
            description = "One shot: ISVSVN (default: the converter's).")
    Integer isvSvn;

    @Option(names = "--isvprodid", paramLabel = "N", converter = Numbers.U16.class,
            description = "One shot: ISVPRODID (default: the converter's).")
    Integer isvProdId;

    @Option(names = "--production", description = "One shot: a production signature (default: debug).")
    boolean production;

    @Option(names = {"-key", "--key"}, paramLabel = "KEY", description = "One shot: the PEM signing key.")
    Path key;

    @Option(names = "--memory-model", paramLabel = "MODEL", description = "One shot: sgx1, sgx2 or all (default sgx1).")
    String memoryModel;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "One shot: the key's passphrase file.")
    Path passphraseFile;

    @Option(names = "--passphrase-env", paramLabel = "VAR", description = "One shot: the variable holding the passphrase.")
    String passphraseEnv;

    @Option(names = "--journal", paramLabel = "FILE", description = "One shot: keep the ceremony journal here "
            + "(default: none kept; its last line's SHA-256 is printed).")
    Path journal;

    @Mixin
    org.enclaveos.signer.image.cli.RegistryOptions images;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Runs one subcommand in this process, writing where {@code caller} writes (demo and the one-shot form). */
    static int runStep(picocli.CommandLine.Model.CommandSpec caller, String... args) {
        CommandLine cl = Cli.commandLine(new EnclaveosSigner(), args);
        Cli.setStreams(cl, caller.commandLine().getOut(), caller.commandLine().getErr());
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new EnclaveosSigner(), args));
    }

    @Override
    public Integer call() throws IOException {
        if (container == null) {
            // No subcommand: show what there is, as git does.
            spec.commandLine().usage(spec.commandLine().getOut());
            return 0;
        }
        if (key == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--container needs -key KEY");
        }
        Path work = Files.createTempDirectory("enclaveos-oneshot-");
        try {
            List<String> prepare = new ArrayList<>(List.of("prepare", container.get(0), "--target", container.get(1),
                    "--out", work.resolve("requests").toString()));
            if (memoryModel != null) {
                prepare.addAll(List.of("--memory-model", memoryModel));
            }
            if (isvSvn != null) {
                prepare.addAll(List.of("--isvsvn", isvSvn.toString()));
            }
            if (isvProdId != null) {
                prepare.addAll(List.of("--isvprodid", isvProdId.toString()));
            }
            if (production) {
                prepare.add("--production");
            }
            List<String> imageOptions = new ArrayList<>();
            if (images.platform != null) {
                imageOptions.addAll(List.of("--platform", images.platform));
            }
            for (String host : images.insecureRegistries) {
                imageOptions.addAll(List.of("--insecure-registry", host));
            }
            imageOptions.addAll(List.of("--registry-timeout", Integer.toString(images.registryTimeoutSeconds)));
            prepare.addAll(imageOptions);
            List<String> sign = new ArrayList<>(List.of("sign-offline", work.resolve("requests").toString(), "--key",
                    key.toString(), "--out", work.resolve("signatures").toString(), "--yes"));
            if (production) {
                sign.add("--production");
            }
            if (passphraseFile != null) {
                sign.addAll(List.of("--passphrase-file", passphraseFile.toString()));
            }
            if (passphraseEnv != null) {
                sign.addAll(List.of("--passphrase-env", passphraseEnv));
            }
            if (journal != null) {
                sign.addAll(List.of("--journal", journal.toString()));
            }
            List<String> attach = new ArrayList<>(List.of("attach", work.resolve("requests").toString(), "--signatures",
                    work.resolve("signatures").toString()));
            attach.addAll(imageOptions);
            for (List<String> step : List.of(prepare, sign, attach)) {
                int rc = runStep(spec, step.toArray(String[]::new));
                if (rc != 0) {
                    return rc;
                }
            }
            return 0;
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
