package org.enclaveos.signer.signoffline;

import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigningKey;

/**
 * Keys in an HSM through the JDK's SunPKCS11 provider. The private key never leaves the token; we
 * get a handle and the public key from the token's certificate object (SunPKCS11 lists a key under
 * an alias only when a certificate with the same CKA_ID is on the token). The provider is configured
 * for this use only and never registered globally.
 */
final class Pkcs11Keys {
    private Pkcs11Keys() {
    }

    static SigningKey load(Path config, String alias, char[] pin) {
        Pkcs11Token token = Pkcs11Token.open(config, pin);
        KeyStore store = token.store();
        Provider provider = token.provider();
        try {
            if (!store.containsAlias(alias) || !store.isKeyEntry(alias)) {
                throw new SignerException(ErrorKind.KEY, config + ": no key with alias '" + alias + "' on the token (keys: "
                        + keyAliases(store) + "; SunPKCS11 lists a key only when a certificate with its CKA_ID is present)");
            }
            Key key = store.getKey(alias, null);
            Certificate cert = store.getCertificate(alias);
            if (!(key instanceof PrivateKey privateKey) || cert == null) {
                throw new SignerException(ErrorKind.KEY, config + ": alias '" + alias + "' is not a private key with a certificate");
            }
            SigningKey pair = SigningKey.inProvider(privateKey, cert.getPublicKey(), "pkcs11:" + alias, provider);
            // MRSIGNER comes from the certificate: prove it belongs to the private key before the review shows it.
            pair.pairProblem().ifPresent(problem -> {
                throw new SignerException(ErrorKind.KEY, config + ": alias '" + alias + "': " + problem
                        + "; put this key's own certificate on the token (docs/hsm.md)");
            });
            return pair;
        } catch (java.security.GeneralSecurityException e) {
            throw new SignerException(ErrorKind.KEY, config + ": cannot read key '" + alias + "': " + Pkcs11Token.rootMessage(e), e);
        }
    }

    private static String keyAliases(KeyStore store) throws KeyStoreException {
        List<String> keys = new ArrayList<>();
        for (String a : Collections.list(store.aliases())) {
            if (store.isKeyEntry(a)) {
                keys.add("'" + a + "'");
            }
        }
        Collections.sort(keys);
        return keys.isEmpty() ? "none" : String.join(", ", keys);
    }
}
