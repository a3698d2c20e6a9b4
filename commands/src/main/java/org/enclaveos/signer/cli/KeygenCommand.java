package org.enclaveos.signer.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.format.SigstructJson;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "keygen", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Generate a debug signing key (RSA-3072, exponent 3).", "",
            "Writes unencrypted PKCS#8 PEM with mode 0600 and never overwrites an existing file. Production "
                + "keys belong in an HSM or under a passphrase."},
        footer = {"", "Example:", "  enclaveos-signer keygen --out debug-key.pem --public-out debug-key.pub.pem"})
public class KeygenCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "FILE", description = "Private key file to create.")
    protected Path out;

    @Option(names = "--public-out", paramLabel = "FILE", description = "Also write the public key (PEM) here.")
    protected Path publicOut;

    @Option(names = "--json", description = "Print one JSON document on stdout.")
    protected boolean json;

    @Spec
    protected CommandSpec spec;

    @Override
    public Integer call() {
        if (out == null) {
            throw new SignerException(ErrorKind.USAGE, "keygen needs --out FILE" + otherwise());
        }
        // Refuse before generating anything, so a taken public-key name never leaves a lone private key behind.
        for (Path p : publicOut == null ? new Path[] {out} : new Path[] {out, publicOut}) {
            if (java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new SignerException(ErrorKind.OUTPUT_EXISTS, p + ": already exists; not overwritten");
            }
        }
        SigningKey key = PemKeys.generate(out.toString());
        PemKeys.writePrivateKey(key, out);
        if (publicOut != null) {
            PemKeys.writePublicKey(key.publicKey(), publicOut);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = SigstructJson.object();
            o.put("key", out.toString());
            o.put("publicKey", publicOut == null ? null : publicOut.toString());
            o.put("mrsigner", key.mrsigner().hex());
            stdout.print(SigstructJson.print(o));
        } else {
            stdout.println("wrote " + out + " (RSA-3072, e=3, mode 0600)"
                    + (publicOut == null ? "" : " and " + publicOut));
            stdout.println("mrsigner " + key.mrsigner().hex());
        }
        stdout.flush();
        return 0;
    }

    /** What else keygen could have been given, for the missing --out message. */
    protected String otherwise() {
        return "";
    }
}
