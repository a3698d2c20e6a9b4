package org.enclaveos.signer.crypto;

import java.nio.file.Path;

import org.enclaveos.signer.testing.Tools;

/** Keys made by the openssl binary, so the loader is tested on files it did not write itself. */
final class OpenSslKeys {
    static final String PASSPHRASE = "correct horse battery staple";

    private OpenSslKeys() {
    }

    static Path rsa(Path dir, String name, int bits, int exponent) {
        Path key = dir.resolve(name);
        Tools.ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + bits,
                "-pkeyopt", "rsa_keygen_pubexp:" + exponent, "-out", key.toString());
        return key;
    }

    static Path convert(Path from, Path dir, String name, String... args) {
        Path out = dir.resolve(name);
        String[] cmd = new String[args.length + 5];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        cmd[args.length + 1] = "-in";
        cmd[args.length + 2] = from.toString();
        cmd[args.length + 3] = "-out";
        cmd[args.length + 4] = out.toString();
        Tools.ok(cmd);
        return out;
    }
}
