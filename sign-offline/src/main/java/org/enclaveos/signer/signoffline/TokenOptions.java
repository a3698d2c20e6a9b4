package org.enclaveos.signer.signoffline;

import java.nio.file.Path;

import org.enclaveos.signer.cli.CommandModel;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options that name a PKCS#11 token, a key on it and where its PIN comes from: sign-offline's and
 * keygen's (a picocli mixin, built programmatically as sign-offline is: {@link #mixin()}).
 */
public final class TokenOptions {
    private final OptionSpec config = CommandModel.option(Path.class, "CFG", "SunPKCS11 configuration of the HSM.",
            "--pkcs11-config").build();

    private final OptionSpec alias = CommandModel.option(String.class, "NAME", "The key's alias on the token.",
            "--key-alias").build();

    private final OptionSpec pinFile = CommandModel.option(Path.class, "FILE", "Read the token PIN from FILE's first line.",
            "--pin-file").build();

    private final OptionSpec pinEnv = CommandModel.option(String.class, "VAR", "Read the token PIN from variable VAR.",
            "--pin-env").build();

    private final CommandSpec mixin = CommandSpec.create().addOption(config).addOption(alias).addOption(pinFile)
            .addOption(pinEnv);

    /** The options, for a command to mix in. */
    CommandSpec mixin() {
        return mixin;
    }

    /** --pkcs11-config, or null. */
    Path config() {
        return config.getValue();
    }

    /** --key-alias, or null. */
    String alias() {
        return alias.getValue();
    }

    /** The PIN: from the file, the named variable, or typed at a prompt (never an argument). */
    char[] pin() {
        return Secrets.read("PIN", pinFile.getValue(), pinEnv.getValue(), "PIN for the token of " + config() + ": ",
                "--pin-file or --pin-env");
    }

    boolean pinGiven() {
        return pinFile.getValue() != null || pinEnv.getValue() != null;
    }
}
