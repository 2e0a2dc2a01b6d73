/* SPDX-License-Identifier: Apache-2.0 */
/*
 * banned.h — functions that are easy to misuse with hostile input. Including this file
 * turns any use into a compile error; use buf_*(), span_*(), parse_u64() & co. instead.
 * Included last by common/common.h, which every source file includes.
 */
#pragma once

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)
#undef strtol
#define strtol(x, y, z) BANNED(strtol)
#undef strtoul
#define strtoul(x, y, z) BANNED(strtoul)
#undef strtoll
#define strtoll(x, y, z) BANNED(strtoll)
#undef strtoull
#define strtoull(x, y, z) BANNED(strtoull)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef ctime
#define ctime(x) BANNED(ctime)
#undef asctime
#define asctime(x) BANNED(asctime)
#undef mktemp
#define mktemp(x) BANNED(mktemp)
#undef alloca
#define alloca(x) BANNED(alloca)
#undef system
#define system(x) BANNED(system)
#undef popen
#define popen(x, y) BANNED(popen)
