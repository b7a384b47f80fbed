"""Physical constants in cgs (CODATA 2018 values)."""

K_B = 1.380649e-16  # Boltzmann constant, erg K^-1
M_H = 1.6735575e-24  # mass of the hydrogen atom, g
M_P = 1.67262192e-24  # proton mass, g
M_E = 9.1093837e-28  # electron mass, g
E_CHARGE = 4.80320471e-10  # elementary charge, esu
C_LIGHT = 2.99792458e10  # speed of light, cm s^-1
H_PLANCK = 6.62607015e-27  # Planck constant, erg s
EV = 1.602176634e-12  # erg per eV
KEV = 1.602176634e-9  # erg per keV
CHI_H = 13.598434 * EV  # hydrogen ionisation energy, erg
G_SUN = 2.7398e4  # solar surface gravity, cm s^-2
