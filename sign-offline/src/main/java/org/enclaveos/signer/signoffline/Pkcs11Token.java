package org.enclaveos.signer.signoffline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;

import javax.security.auth.login.FailedLoginException;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.SmallFiles;

/**
 * One PKCS#11 token through the JDK's SunPKCS11 provider, logged in: the provider is configured for
 * this use only and never registered globally, so nothing else in the process can reach the token.
 * Opening maps the provider's errors to one line naming the configuration file.
 */
record Pkcs11Token(Path config, Provider provider, KeyStore store) {

    /** Opens the token named by {@code config} and logs in with {@code pin}. */
    static Pkcs11Token open(Path config, char[] pin) {
        return open(config, null, pin);
    }

    /**
     * As {@link #open(Path, char[])}, with SunPKCS11 configuration lines appended to the file's (the
     * {@code attributes(generate, ...)} templates key generation sets).
     */
    static Pkcs11Token open(Path config, String appended, char[] pin) {
        if (!Files.isReadable(config)) {
            throw new SignerException(ErrorKind.IO, config + ": cannot read the PKCS#11 configuration");
        }
        Provider provider;
        try {
            Provider base = Security.getProvider("SunPKCS11");
            if (base == null) {
                throw new SignerException(ErrorKind.UNSUPPORTED, "this Java runtime has no SunPKCS11 provider");
            }
            if (appended == null) {
                provider = base.configure(config.toString());
            } else {
                // SunPKCS11 takes a configuration inline after "--"; the file's own lines come first.
                String text = new String(SmallFiles.read(config, 64 * 1024, "PKCS#11 configuration"), StandardCharsets.UTF_8);
                provider = base.configure("--" + text + "\n" + appended);
            }
        } catch (RuntimeException e) {
            if (e instanceof SignerException se) {
                throw se;
            }
            throw new SignerException(ErrorKind.KEY, config + ": the PKCS#11 provider cannot use this configuration: "
                    + rootMessage(e), e);
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS11", provider);
            store.load(null, pin);
            return new Pkcs11Token(config, provider, store);
        } catch (IOException e) {
            if (hasCause(e, FailedLoginException.class) || rootMessage(e).contains("CKR_PIN_INCORRECT")) {
                throw new SignerException(ErrorKind.KEY, config + ": the token refused the PIN", e);
            }
            throw new SignerException(ErrorKind.KEY, config + ": cannot open the token: " + rootMessage(e), e);
        } catch (GeneralSecurityException e) {
            throw new SignerException(ErrorKind.KEY, config + ": cannot open the token: " + rootMessage(e), e);
        }
    }

    /** The provider's name for the token ("SunPKCS11-SoftHSM"), for messages and the journal. */
    String name() {
        return provider.getName();
    }

    static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message: SunPKCS11 wraps the token's CKR_ code several layers deep. */
    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
