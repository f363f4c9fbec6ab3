// glibc's log, bit for bit as its x86-64 FMA variant (glibc_log.cc), for the NumPy-exact
// Gaussians on C libraries whose log rounds differently (WebAssembly: SSM_GLIBC_LOG).
#ifndef SSM_POISON_CORE_GLIBC_LOG_H
#define SSM_POISON_CORE_GLIBC_LOG_H

namespace ssm {
double glibc_log_fma(double x);
}

#endif
