package service

// serviceDependencies are the Windows services wgtrayd needs running before
// it starts at boot: the network stack and its store interface, which
// configure the tunnels' interfaces, and the Base Filtering Engine, which
// holds the kill switch.
var serviceDependencies = []string{"Nsi", "TcpIp", "BFE"}
