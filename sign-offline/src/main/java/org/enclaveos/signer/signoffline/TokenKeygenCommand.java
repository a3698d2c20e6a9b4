package org.enclaveos.signer.signoffline;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.time.Instant;
import java.util.Arrays;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.KeygenCommand;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.format.SigstructJson;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * keygen on the key's host: a PEM file as before, or (with {@code --pkcs11-config}) a key generated
 * inside the token that never leaves it, or {@code --check-hsm} to learn whether a token can hold one.
 */
@Command(name = "keygen",
        description = {"Generate an SGX signing key (RSA-3072, exponent 3): in a PKCS#11 token, or as a PEM file.", "",
            "With --pkcs11-config the key is generated inside the token (sensitive, never extractable, sign only), "
                + "read back and refused unless it is RSA-3072 with e=3; an existing alias is never overwritten. "
                + "--check-hsm generates, uses and discards a throwaway key to tell whether the token can. Without "
                + "them, --out writes unencrypted PKCS#8 PEM (mode 0600): a debug key."},
        footer = {"", "Examples:",
            "  enclaveos-signer keygen --pkcs11-config hsm.cfg --check-hsm --pin-env HSM_PIN",
            "  enclaveos-signer keygen --pkcs11-config hsm.cfg --key-alias sgx-prod --pin-env HSM_PIN --public-out sgx-prod.pub.pem",
            "  enclaveos-signer keygen --out debug-key.pem --public-out debug-key.pub.pem"})
public final class TokenKeygenCommand extends KeygenCommand {
    final TokenOptions token = new TokenOptions();

    @picocli.CommandLine.Mixin(name = "token")
    picocli.CommandLine.Model.CommandSpec tokenOptions = token.mixin();

    @Option(names = "--check-hsm", description = "Only check that the token can make and use an e=3 RSA-3072 key; keep nothing.")
    boolean checkHsm;

    @Override
    public Integer call() {
        if (token.config() == null) {
            if (token.alias() != null || token.pinGiven() || checkHsm) {
                throw new SignerException(ErrorKind.USAGE, "--key-alias, --pin-file, --pin-env and --check-hsm go with "
                        + "--pkcs11-config CFG");
            }
            return super.call();
        }
        if (out != null) {
            throw new SignerException(ErrorKind.USAGE, "--out writes a PEM key; a key generated in the token "
                    + "(--pkcs11-config) never leaves it: give --public-out for its public key");
        }
        if (checkHsm == (token.alias() != null)) {
            throw new SignerException(ErrorKind.USAGE, "--pkcs11-config needs --key-alias NAME (generate) or "
                    + "--check-hsm (check only)");
        }
        if (checkHsm && publicOut != null) {
            throw new SignerException(ErrorKind.USAGE, "--check-hsm keeps no key: --public-out has nothing to write");
        }
        if (publicOut != null && Files.exists(publicOut, LinkOption.NOFOLLOW_LINKS)) {
            throw new SignerException(ErrorKind.OUTPUT_EXISTS, publicOut + ": already exists; not overwritten");
        }
        char[] pin = token.pin();
        PrintWriter stdout = spec.commandLine().getOut();
        try {
            if (checkHsm) {
                Pkcs11Keygen.Check check = Pkcs11Keygen.check(token.config(), pin);
                check.problem().ifPresent(p -> {
                    throw new SignerException(ErrorKind.UNSUPPORTED, p);
                });
                if (json) {
                    ObjectNode o = SigstructJson.object();
                    o.put("token", check.token());
                    o.put("canHoldSgxKeys", true);
                    stdout.print(SigstructJson.print(o));
                } else {
                    stdout.println("token " + check.token() + " (" + token.config() + ") can generate and sign with "
                            + "RSA-3072 keys with exponent 3 (a throwaway key was generated, used and discarded)");
                }
                stdout.flush();
                return 0;
            }
            Pkcs11Keygen.Generated made = Pkcs11Keygen.generate(token.config(), token.alias(), pin, Instant.now());
            if (publicOut != null) {
                PemKeys.writePublicKey(made.key().publicKey(), publicOut);
            }
            if (json) {
                ObjectNode o = SigstructJson.object();
                o.put("token", made.token());
                o.put("alias", made.alias());
                o.put("publicKey", publicOut == null ? null : publicOut.toString());
                o.put("mrsigner", made.key().mrsigner().hex());
                stdout.print(SigstructJson.print(o));
            } else {
                stdout.println("generated RSA-3072, e=3 on token " + made.token() + " as '" + made.alias()
                        + "' (sensitive, never extractable, sign only)" + (publicOut == null ? "" : "; wrote " + publicOut));
                stdout.println("mrsigner " + made.key().mrsigner().hex());
            }
            stdout.flush();
            return 0;
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    @Override
    protected String otherwise() {
        return " (a PEM key) or --pkcs11-config CFG --key-alias NAME (a key generated in a token)";
    }
}
